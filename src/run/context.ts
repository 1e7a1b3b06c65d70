import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { findEndpoint } from '../engine/endpoint.js';
import type { Runtime } from '../engine/runtime.js';
import type { Compose } from '../engine/compose.js';

/** Everything the run/ functions need from outside, passed in so that tests can replace it. */
export interface RunContext {
  runtime: Runtime;
  compose: Compose;
  /** Folder holding one generated project per lab: $INFRA_LAB_HOME, default ~/.infra-lab. */
  home: string;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const labsHome = () => process.env.INFRA_LAB_HOME ?? path.join(os.homedir(), '.infra-lab');

/**
 * The compose project name of a lab: infra-lab-<lab> in the default home, and with a short hash of
 * the home added elsewhere, so that the same lab in two homes (two courses, parallel test runs)
 * never shares containers, networks or volumes.
 */
export function projectNameOf(home: string, lab: string): string {
  const resolved = path.resolve(home);
  if (resolved === path.resolve(os.homedir(), '.infra-lab')) return `infra-lab-${lab}`;
  return `infra-lab-${lab}-${createHash('sha256').update(resolved).digest('hex').slice(0, 6)}`;
}

/** The engine and compose of this machine. Loaded on first use: commands that need neither start faster. */
export async function realContext(): Promise<RunContext> {
  const [{ DockerodeRuntime }, { composeForEngine, detectCompose, LazyCompose }] = await Promise.all([import('../engine/dockerode-runtime.js'), import('../engine/compose.js')]);
  const { endpoint } = findEndpoint();
  const runtime = new DockerodeRuntime(endpoint);
  return {
    runtime,
    compose: new LazyCompose(composeForEngine(detectCompose(), runtime.engine())),
    home: labsHome(),
    clock: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}
