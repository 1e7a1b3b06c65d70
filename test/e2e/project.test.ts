import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { jest } from '@jest/globals';
import { binary, repoRoot, type RunResult } from '../helpers/cli.js';
import { docker, leftoversOf, useLiveLab } from '../helpers/live.js';

jest.setTimeout(600_000);

/**
 * A lab started from a file, on live containers (debian flavor): addressed by its name in every
 * command, with the flavor it was started with; its project folder is rendered again by scale and
 * deploy without changing what it is; two `up`s at once take turns; and `down` works when the
 * compose file is invalid or the project folder is damaged.
 */
const file = path.join(repoRoot, 'test/fixtures/my-lab.yaml');
const lab = useLiveLab('my-lab', { start: false });
const dir = () => path.join(lab.home, 'labs', 'my-lab');
const read = (name: string) => fs.readFileSync(path.join(dir(), name), 'utf8');
const info = () => JSON.parse(read('infra-lab.json')) as { source: string; contentHash: string; flavor: string; replicas?: Record<string, number> };
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return r;
};
const appContainers = () => docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${lab.projectName}`, '--filter', 'label=com.docker.compose.service=app']).stdout.split('\n').filter(Boolean);

/** Runs the binary without waiting, so that two commands can run at once. */
function start(args: string[]): { pid: number; stderr: () => string; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [binary, ...args], { cwd: repoRoot, env: { ...process.env, INFRA_LAB_HOME: lab.home } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { pid: child.pid!, stderr: () => stderr, done: new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))) };
}

test('up from a file, then every command takes the lab by its name', () => {
  ok(lab.run(['up', file, '--flavor', 'debian']));
  const status = JSON.parse(ok(lab.run(['status', 'my-lab', '--json'])).stdout)[0];
  expect(status.state).toBe('up');
  expect(status.flavor).toBe('debian');
  expect(info().source).toBe(file);
});

test('up, scale, deploy, then up again says unchanged: source, lab copy and content hash stay the lab file\'s', () => {
  const copy = read('lab.yaml');
  expect(copy.match(/^# The lab file this project was generated from/gm)).toHaveLength(1);

  ok(lab.run(['scale', 'app=2', '--lab', 'my-lab']));
  expect(appContainers()).toHaveLength(2);
  const scaled = info();
  expect(scaled.replicas).toEqual({ app: 2 });

  const deployed = JSON.parse(ok(lab.run(['deploy', '--lab', 'my-lab', '--strategy', 'recreate', '--json'])).stdout);
  expect(deployed.versions.map((v: { version: string }) => v.version)).toContain('2');

  expect(info()).toEqual(scaled);
  expect(read('lab.yaml')).toBe(copy);
  for (const again of [['up', 'my-lab'], ['up', file, '--flavor', 'debian']]) {
    const r = ok(lab.run(again));
    expect(r.stdout).toMatch(/^my-lab is already up and matches its lab file; nothing changed\./);
  }
  expect(appContainers()).toHaveLength(2);
});

test('deploying the version that runs is refused, and done with --force', () => {
  const running = /^APP_VERSION_APP=(.*)$/m.exec(read('.env'))![1];
  const before = appContainers();
  const r = lab.run(['deploy', '--lab', 'my-lab', '--version', running]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`infra-lab: my-lab already runs version ${running} (app); deploy another with --version, or replace the servers with the same version with --force\n`);
  expect(appContainers().sort()).toEqual(before.sort());
  ok(lab.run(['deploy', '--lab', 'my-lab', '--version', running, '--force', '--json']));
  expect(appContainers().some((id) => before.includes(id))).toBe(false);
});

test('the flavor it runs with is kept: another one is refused while it is up, saying how', () => {
  const r = lab.run(['up', 'my-lab', '--flavor', 'official']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('infra-lab: my-lab is up with the debian images; to run it with official instead, take it down first (infra-lab down my-lab), then infra-lab up my-lab --flavor official\n');
});

test('experiment by name uses the file and the flavor the lab was started with', () => {
  const r = ok(lab.run(['experiment', 'my-lab', 'kill-db', '--hold', '2', '--json']));
  const report = JSON.parse(r.stdout);
  expect(report.flavor).toBe('debian');
  expect(report.verdict.ok).toBe(true);
});

test('an invalid docker-compose.yml does not keep down from removing the lab; up then refuses to overwrite it without --force', () => {
  fs.writeFileSync(path.join(dir(), 'docker-compose.yml'), 'services: [this is not compose\n');
  ok(lab.run(['down', 'my-lab']));
  expect(docker(['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${lab.projectName}`]).stdout.trim()).toBe('');

  const r = lab.run(['up', 'my-lab']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    `infra-lab: ${dir()}/docker-compose.yml was edited since infra-lab wrote it, and rendering the lab again would replace it; put the change in the lab file, or run infra-lab up my-lab --force (your file is kept as docker-compose.yml.edited)\n`,
  );
});

test('two up of the same lab at once: the second waits for the first, naming it, then finds the lab up', async () => {
  const first = start(['up', 'my-lab', '--force']);
  // The first holds the lock from before it renders the project until the lab is up.
  for (let i = 0; i < 100 && !fs.existsSync(path.join(lab.home, 'locks', 'my-lab.lock')); i++) await new Promise((r) => setTimeout(r, 100));
  const second = start(['up', 'my-lab']);
  const [a, b] = [await first.done, await second.done];
  expect(a.code).toBe(0);
  expect(read('docker-compose.yml.edited')).toBe('services: [this is not compose\n');
  expect(b.stderr).toContain(`waiting for process ${first.pid} (infra-lab up my-lab --force), which is changing the lab my-lab`);
  expect(b.code).toBe(0);
  expect(b.stdout).toMatch(/^my-lab is already up and matches its lab file; nothing changed\./);
});

test('down works from the engine\'s labels when the project folder is damaged', () => {
  fs.writeFileSync(path.join(dir(), 'infra-lab.json'), read('infra-lab.json').slice(0, 25));
  const r = ok(lab.run(['down', 'my-lab', '--volumes']));
  expect(r.stderr).toContain(`${dir()}/infra-lab.json is damaged`);
  expect(r.stderr).toContain(`removing my-lab by its engine labels (compose project ${lab.projectName})`);
  expect(leftoversOf(lab.projectName)).toEqual([]);
});
