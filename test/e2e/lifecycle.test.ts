import { jest } from '@jest/globals';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { LiveLab, docker, leftoversOf, requireDocker, ensureImages, useLiveLab } from '../helpers/live.js';

jest.setTimeout(600_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  requireDocker();
  ensureImages();
});

// Each moment is counted from when up says it starts compose: from then on there are containers to remove.
describe.each([
  ['SIGINT', 2000],
  ['SIGINT', 5000],
  ['SIGINT', 8000],
  ['SIGTERM', 3000],
  ['SIGHUP', 3000],
] as const)('%s %d ms into compose up', (signal, ms) => {
  const lab = new LiveLab('single-server');
  afterAll(() => expect(lab.destroy()).toEqual([]));

  test("removes the half-started lab's containers and networks, and ends with code 1 and one line", async () => {
    const up = lab.spawn(['up', 'single-server', '--flavor', 'debian']);
    await up.waitFor(/… starting single-server/);
    await sleep(ms);
    expect(up.child.kill(signal)).toBe(true);
    const { code } = await up.exited;
    const errors = up.stderr.split('\n').filter((l) => l.startsWith('infra-lab: '));
    expect(errors).toEqual([
      'infra-lab: interrupted; the lab single-server was removed, its database volume kept (infra-lab down single-server --volumes deletes it)',
    ]);
    expect(code).toBe(1);
    expect(leftoversOf(lab.projectName).filter((l) => !l.startsWith('volume'))).toEqual([]);
  });
});

describe('the probe of watch ends with its command', () => {
  const lab = useLiveLab('single-server');
  const probes = () => docker(['ps', '-a', '-q', '--filter', `label=dev.infra-lab.helper=${lab.projectName}`, '--filter', 'label=dev.infra-lab.controller']).stdout.split('\n').filter(Boolean);

  /** Waits until the probes are gone, up to `ms`; returns those still there. */
  async function probesAfter(ms: number): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (probes().length && Date.now() < deadline) await sleep(500);
    return probes();
  }

  test.each(['SIGTERM', 'SIGHUP'] as const)('%s: watch prints its summary, exits 0, and its probe is gone', async (signal) => {
    const watch = lab.spawn(['watch']);
    await watch.waitFor(/Watching www\.foobar\.com/);
    await sleep(2000);
    expect(probes()).toHaveLength(1);
    watch.child.kill(signal);
    expect(await watch.exited).toEqual({ code: 0, signal: null });
    expect(watch.stdout).toMatch(/\d+ requests in [\d.]+ s: 0 failed, availability 100%/);
    expect(await probesAfter(5000)).toEqual([]);
  });

  test('SIGKILL: nothing in watch runs, yet its probe ends by itself within seconds', async () => {
    const watch = lab.spawn(['watch']);
    await watch.waitFor(/Watching www\.foobar\.com/);
    await sleep(2000);
    expect(probes()).toHaveLength(1);
    watch.child.kill('SIGKILL');
    expect(await watch.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await probesAfter(20_000)).toEqual([]);
  });

  test('a leftover probe whose command is gone is shown by status and removed by the next watch', async () => {
    // A probe of a command that no longer runs, as an engine that does not close a helper's stdin would leave it.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    const run = docker(['run', '-d', '--name', `${lab.projectName}-probe-left`, '--label', `dev.infra-lab.helper=${lab.projectName}`, '--label', `dev.infra-lab.controller=${os.hostname()}:${gone.pid}`, 'infra-lab/app:bookworm', 'sleep', '600']);
    expect(run.code).toBe(0);
    expect(lab.status().helpers).toEqual([{ name: `${lab.projectName}-probe-left`, state: 'running', kind: 'probe', stale: true }]);
    const text = lab.run(['status']);
    expect(text.stdout).toContain(`helper: ${lab.projectName}-probe-left (probe, running; stale: the infra-lab command it served is gone`);
    const watch = lab.run(['watch', '--duration', '2']);
    expect(watch.code).toBe(0);
    expect(watch.stderr).toContain('removed 1 leftover probe(s) of earlier commands');
    expect(probes()).toEqual([]);
  });

  test('down while watch runs: watch says the lab is gone, prints its summary and exits 1', async () => {
    const watch = lab.spawn(['watch']);
    await watch.waitFor(/Watching www\.foobar\.com/);
    await sleep(2000);
    const down = lab.run(['down']);
    expect(down.code).toBe(0);
    const { code } = await Promise.race([watch.exited, sleep(90_000).then(() => ({ code: -1 }))]);
    expect(code).toBe(1);
    expect(watch.stderr.split('\n').filter((l) => l.startsWith('infra-lab: '))).toEqual([
      'infra-lab: the lab single-server was taken down while watch ran (none of its containers runs); nothing left to watch',
    ]);
    expect(watch.stdout).toMatch(/\d+ requests in [\d.]+ s: \d+ failed/);
    expect(probes()).toEqual([]);
  });
});
