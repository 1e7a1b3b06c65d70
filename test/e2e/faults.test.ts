import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { useLiveLab } from '../helpers/live.js';
import { binary } from '../helpers/cli.js';

jest.setTimeout(600_000);

// break, heal and watch as a student uses them, on a single-server lab.
const lab = useLiveLab('single-server');

const state = (component: string) => lab.status().services.find((s) => s.component === component)!.containers[0];

test('an unknown component lists the valid ones', () => {
  const r = lab.run(['break', 'database']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("no component 'database' in this lab; components: dns, web, app, db");
});

test('kill: the component stays down, breaking it again says so, heal brings it back healthy', () => {
  const r = lab.run(['break', 'app']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('killed (SIGKILL); it stays down until you heal it');
  expect(state('app').state).toBe('exited');
  const again = lab.run(['break', 'app', '--mode', 'pause']);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('app is already broken (kill');
  const heal = lab.run(['heal', 'app']);
  expect(heal.code).toBe(0);
  expect(heal.stdout).toMatch(/Healed app \(kill\); ready again after/);
  expect(state('app')).toMatchObject({ state: 'running', health: 'healthy' });
});

test('crash: the process dies inside the container and the restart policy brings it back', () => {
  const before = state('app').restarts;
  const r = lab.run(['break', 'app', '--mode', 'crash']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('crashed; its restart policy (unless-stopped) brings it back.');
  const heal = lab.run(['heal', 'app']);
  expect(heal.code).toBe(0);
  expect(state('app').restarts).toBe(before + 1);
});

test('pause freezes the web server: watch sees requests time out, not refused; heal unpauses', () => {
  expect(lab.run(['break', 'web', '--mode', 'pause']).code).toBe(0);
  expect(state('web').state).toBe('paused');
  const watch = lab.run(['watch', '--duration', '4', '--json']);
  expect(watch.code).toBe(0);
  const samples = watch.stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(samples.length).toBeGreaterThan(20);
  expect(samples.filter((s) => !s.ok).every((s) => s.layer === 'timeout')).toBe(true);
  expect(samples.some((s) => !s.ok)).toBe(true);
  expect(lab.run(['heal', '--all']).code).toBe(0);
  expect(state('web').state).toBe('running');
});

test('disconnect cuts the database from its network; heal reconnects it at the same address', () => {
  const address = Object.values(state('db').addresses)[0];
  expect(lab.run(['break', 'db', '--mode', 'disconnect']).code).toBe(0);
  expect(Object.keys(state('db').addresses)).toEqual([]);
  expect(lab.run(['heal', 'db']).code).toBe(0);
  expect(Object.values(state('db').addresses)).toEqual([address]);
  const watch = lab.run(['watch', '--duration', '3']);
  expect(watch.code).toBe(0);
  expect(watch.stdout).toMatch(/\d+ requests in [\d.]+ s: 0 failed, availability 100%/);
});

test('watch in one terminal, break and heal in another: Ctrl-C ends the watch with a summary of what users saw', async () => {
  const watch = spawn(process.execPath, [binary, 'watch'], { env: { ...process.env, INFRA_LAB_HOME: lab.home } });
  let stdout = '';
  watch.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const ended = new Promise<number | null>((resolve) => watch.on('exit', resolve));
  await new Promise((r) => setTimeout(r, 3000));
  expect(lab.run(['break', 'db']).code).toBe(0);
  await new Promise((r) => setTimeout(r, 2000));
  expect(lab.run(['heal', 'db']).code).toBe(0);
  await new Promise((r) => setTimeout(r, 3000));
  watch.kill('SIGINT');
  expect(await ended).toBe(0);
  // The live timeline: one line a second, with B for the requests that failed at the database, and
  // the latency of the second's successes (none in a second where every request failed).
  expect(stdout).toMatch(/^\d\d:\d\d:\d\d  \.+\s+\d+ ok\s+p50 \d+ \/ p95 \d+ \/ p99 \d+ ms$/m);
  expect(stdout).toMatch(/^\d\d:\d\d:\d\d  [.B]*B[.B]*\s+\d+\/\d+ failed(\s+p50 \d+ \/ p95 \d+ \/ p99 \d+ ms)?$/m);
  // A write cut off by the kill may be of unknown outcome: the summary then splits the failures.
  expect(stdout).toMatch(/\d+ requests in [\d.]+ s: [1-9]\d* failed( \(\d+ certainly, \d+ of unknown outcome\))?, availability [\d.]+%/);
  expect(stdout).toMatch(/failures by layer: database \d+/);
  expect(stdout).toMatch(/latency of successful requests: p50 \d+ ms, p95 \d+ ms, p99 \d+ ms/);
});

test('heal with nothing broken says so', () => {
  const r = lab.run(['heal', 'db']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('db is not broken; nothing to heal');
});
