import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { binary, runCli, runCliAsync, type RunResult } from './cli.js';
import { projectNameOf } from '../../src/run/context.js';

/**
 * Helpers of the end-to-end tests, which run the real binary against a real Docker engine
 * with the debian images. A missing engine fails these tests; they never skip.
 */
export const docker = (args: string[]) => engineCli('docker', args);
export const podman = (args: string[]) => engineCli('podman', args);

function engineCli(bin: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

export function requireDocker(): void {
  const r = docker(['info', '--format', '{{.ServerVersion}}']);
  if (r.code !== 0) throw new Error(`end-to-end tests need a running Docker engine (scripts/setup-debian-host.sh starts one): ${r.stderr.trim()}`);
}

let imagesReady = false;
/** Builds the debian images once per test run; quick when they are up to date. */
export function ensureImages(): void {
  if (imagesReady) return;
  const r = runCli(['images', 'build'], { timeoutMs: 30 * 60_000 });
  if (r.code !== 0) throw new Error(`infra-lab images build failed (${r.code}):\n${r.stderr}`);
  imagesReady = true;
}

/** A lab under test, with its own INFRA_LAB_HOME. */
export class LiveLab {
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-e2e-'));
  /** The lab's compose project: its own per home, so a test's lab never meets the user's. */
  readonly projectName: string;
  /** env: what the binary runs with beside the lab's home (DOCKER_HOST of another engine, say). */
  constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {
    this.projectName = projectNameOf(this.home, name);
  }

  run(args: string[], timeoutMs = 600_000): RunResult {
    return runCli(args, { env: { ...this.env, INFRA_LAB_HOME: this.home }, timeoutMs });
  }

  /** Starts the binary in the background, as a user's second terminal would. */
  spawn(args: string[]): Spawned {
    const child = spawn(process.execPath, [binary, ...args], { env: { ...process.env, ...this.env, INFRA_LAB_HOME: this.home } });
    const spawned: Spawned = {
      child,
      stdout: '',
      stderr: '',
      exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
      waitFor: (pattern, timeoutMs = 120_000) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${pattern} on stderr in ${timeoutMs / 1000} s:\n${spawned.stderr}`)), timeoutMs);
          const check = () => {
            if (!pattern.test(spawned.stderr)) return;
            clearTimeout(timer);
            child.stderr!.off('data', check);
            resolve();
          };
          child.stderr!.on('data', check);
          check();
        }),
    };
    child.stdout!.on('data', (c: Buffer) => (spawned.stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (spawned.stderr += c.toString()));
    return spawned;
  }

  /** Like run, while the test's own event loop goes on (a user probe runs meanwhile). */
  runAsync(args: string[]): Promise<RunResult> {
    return runCliAsync(args, { env: { ...this.env, INFRA_LAB_HOME: this.home } });
  }

  up(): RunResult {
    return this.run(['up', this.name, '--flavor', 'debian']);
  }

  /** For beforeAll: the engine and images are there, and the lab is up. */
  start(): void {
    requireDocker();
    ensureImages();
    const r = this.up();
    if (r.code !== 0) throw new Error(`up ${this.name} failed (${r.code}):\n${r.stderr}`);
  }

  status(): StatusJson {
    const r = this.run(['status', this.name, '--json']);
    if (r.code !== 0) throw new Error(`status failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as StatusJson[])[0];
  }

  /** Removes the lab and its volumes; returns what Docker still has with the lab's label. */
  destroy(): string[] {
    const r = this.run(['down', this.name, '--volumes']);
    const leftovers = leftoversOf(this.projectName);
    fs.rmSync(this.home, { recursive: true, force: true });
    if (r.code !== 0) leftovers.push(`down failed: ${r.stderr.trim()}`);
    return leftovers;
  }
}

/**
 * A lab for a test file: started before its tests, removed after them, and checked to leave
 * no container, network or volume behind.
 */
export function useLiveLab(name: string, options: { start: boolean } = { start: true }): LiveLab {
  const lab = new LiveLab(name);
  beforeAll(() => {
    if (options.start) lab.start();
    else {
      requireDocker();
      ensureImages();
    }
  });
  afterAll(() => expect(lab.destroy()).toEqual([]));
  return lab;
}

/** Containers, networks and volumes of a lab's compose project that the engine still has (helpers included). */
export function leftoversOf(projectName: string, cli = docker): string[] {
  const project = ['--filter', `label=com.docker.compose.project=${projectName}`];
  const helper = ['--filter', `label=dev.infra-lab.helper=${projectName}`];
  return [
    ...cli(['ps', '-a', '-q', ...project]).stdout.split('\n').filter(Boolean).map((id) => `container ${id}`),
    ...cli(['ps', '-a', '-q', ...helper]).stdout.split('\n').filter(Boolean).map((id) => `helper container ${id}`),
    ...cli(['network', 'ls', '-q', ...project]).stdout.split('\n').filter(Boolean).map((id) => `network ${id}`),
    ...cli(['volume', 'ls', '-q', ...project]).stdout.split('\n').filter(Boolean).map((id) => `volume ${id}`),
  ];
}

export interface Spawned {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stderr matches the pattern. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export interface StatusJson {
  lab: string;
  state: string;
  projectDir: string;
  endpoints: { http?: string; https?: string; dns?: string; dnsTcp?: string; monitor?: string; all: Record<string, string> };
  volumes: string[];
  helpers: { name: string; state: string; kind: string; stale: boolean }[];
  services: { component: string; ready: boolean; state: string; containers: { name: string; state: string; health: string | null; restarts: number; ports: unknown[]; addresses: Record<string, string> }[] }[];
}

/** Sends `count` GET requests and returns the parsed JSON bodies and headers. */
export async function getMany(url: string, count: number, host = 'www.foobar.com') {
  const { httpGet } = await import('../../src/measure/http.js');
  const answers = [];
  for (let i = 0; i < count; i++) answers.push(await httpGet(url, { host }));
  return answers;
}
