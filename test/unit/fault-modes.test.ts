import fs from 'node:fs';
import path from 'node:path';
import { FAULT_MODES, SERVER_FAULT_MODES } from '../../src/lab/model.js';
import { FAULT_MODE_SPECS } from '../../src/faults/modes/index.js';
import { checkFaultOptions } from '../../src/faults/faults.js';
import { FAULT_RANGES, parseRate, parseTime } from '../../src/lab/quantities.js';
import { parseLab, resolveLab } from '../../src/lab/load.js';
import { YamlFileError } from '../../src/lab/yaml-document.js';
import { latency } from '../../src/measure/downtime.js';
import { buildReport, phasesOf } from '../../src/measure/report.js';
import type { Sample } from '../../src/measure/sample.js';
import { repoRoot } from '../helpers/cli.js';

const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schema', 'lab.schema.json'), 'utf8'));
const breakSchema = schema.properties.scenarios.items.properties.break;

describe('the registry of fault modes', () => {
  test('every mode of the lab model has its module, and the schema offers exactly those modes', () => {
    expect(Object.keys(FAULT_MODE_SPECS).sort()).toEqual([...FAULT_MODES].sort());
    expect(breakSchema.properties.mode.enum).toEqual([...FAULT_MODES]);
  });

  test('the engine sees the modes that take a container down, and none of the network faults', () => {
    for (const m of SERVER_FAULT_MODES) expect(FAULT_MODE_SPECS[m].downEvents.length).toBeGreaterThan(0);
    for (const m of ['latency', 'loss', 'bandwidth', 'partition'] as const) expect(FAULT_MODE_SPECS[m].downEvents).toEqual([]);
    expect(Object.entries(FAULT_MODE_SPECS).filter(([, s]) => s.healsItself).map(([m]) => m)).toEqual(['crash']);
  });

  test('the schema states the same ranges as the command line', () => {
    expect([breakSchema.properties.percent.minimum, breakSchema.properties.percent.maximum]).toEqual([FAULT_RANGES.percent.min, FAULT_RANGES.percent.max]);
  });
});

describe('the options of a fault mode', () => {
  test('a mode gets what it needs, with defaults', () => {
    expect(checkFaultOptions('latency', { delayMs: 300 })).toEqual({ delayMs: 300, jitterMs: 0 });
    expect(checkFaultOptions('loss', { percent: 30 })).toEqual({ percent: 30 });
    expect(checkFaultOptions('kill', {})).toEqual({});
  });

  test('a missing option, or one of another mode, is a usage error that names the options', () => {
    expect(() => checkFaultOptions('latency', {})).toThrow('--mode latency needs --delay');
    expect(() => checkFaultOptions('partition', {})).toThrow('--mode partition needs --to');
    expect(() => checkFaultOptions('latency', { delayMs: 300, percent: 30 })).toThrow('--percent does not apply to --mode latency; it takes --delay, --jitter');
    expect(() => checkFaultOptions('kill', { rateKbit: 1000 })).toThrow(/^--rate does not apply to --mode kill$/);
  });

  test('times and rates are read as people write them, and nothing else', () => {
    expect([parseTime('300ms'), parseTime('1s'), parseTime('1.5s'), parseTime('0ms')]).toEqual([300, 1000, 1500, 0]);
    expect([parseTime('300'), parseTime('1e3ms'), parseTime('-5ms'), parseTime('5 m')]).toEqual([undefined, undefined, undefined, undefined]);
    expect([parseRate('1mbit'), parseRate('500kbit'), parseRate('1.5gbit')]).toEqual([1000, 500, 1_500_000]);
    expect([parseRate('1mb'), parseRate('mbit'), parseRate('1 mbit')]).toEqual([undefined, undefined, undefined]);
  });
});

describe('scenarios that break a server or the network, in a lab file', () => {
  const base = fs.readFileSync(path.join(repoRoot, 'labs', 'distributed.yaml'), 'utf8');
  const withScenario = (text: string) => base.replace('\nscenarios:\n', `\nscenarios:\n${text}`);

  test('the built-in labs carry them, with their settings', () => {
    const d = resolveLab('distributed');
    expect(d.scenarios.find((s) => s.name === 'slow-app-1')!.action).toEqual({ kind: 'break', component: 'app-1', mode: 'latency', options: { delayMs: 300 } });
    expect(d.scenarios.find((s) => s.name === 'partition-app-1-replica')!.action).toEqual({ kind: 'break', component: 'app-1', mode: 'partition', options: { peer: 'db-replica' } });
    expect(d.scenarios.find((s) => s.name === 'lose-server-1')!.action).toEqual({ kind: 'break-server', server: 'server-1', mode: 'kill' });
    expect(resolveLab('single-server').scenarios.find((s) => s.name === 'lossy-network')!.action).toEqual({ kind: 'break', component: 'web', mode: 'loss', options: { percent: 30 } });
  });

  test.each([
    ['  - { name: x, title: t, break: { server: server-9 }, expect: { says: s, failures: all } }\n', /no component is on 'server-9'; servers: dns-1, lb-1, server-1, server-2/],
    ['  - { name: x, title: t, break: { server: server-1, mode: crash }, expect: { says: s, failures: all } }\n', /a server can be broken with kill, stop, pause, disconnect/],
    ['  - { name: x, title: t, break: { component: app-1, mode: partition, to: db-9 }, expect: { says: s, failures: all } }\n', /db-9/],
    ['  - { name: x, title: t, break: { component: app-1, mode: latency, delay: 300 }, expect: { says: s, failures: all } }\n', /delay/],
    ['  - { name: x, title: t, break: { component: app-1, mode: latency, delay: 90s }, expect: { says: s, failures: all } }\n', /90s is outside 1 to 60000 ms/],
    ['  - { name: x, title: t, break: { component: app-1, server: server-1 }, expect: { says: s, failures: all } }\n', /break/],
  ])('refused with the line and the reason: %s', (scenario, reason) => {
    let error: unknown;
    try {
      parseLab(withScenario(scenario), 'lab.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(YamlFileError);
    expect(String((error as Error).message)).toMatch(reason);
    expect(String((error as Error).message)).toMatch(/lab\.yaml:\d+/);
  });
});

describe('latency of successful requests', () => {
  let seq = 0;
  const s = (t: number, ms: number, ok = true): Sample => ({ seq: seq++, kind: 'read', t, ms, ok, layer: ok ? undefined : 'timeout' });

  test('nearest-rank percentiles of the successes only', () => {
    const samples = [...Array.from({ length: 100 }, (_, i) => s(i, i + 1)), s(200, 5000, false)];
    expect(latency(samples)).toEqual({ p50: 50, p95: 95, p99: 99 });
    expect(latency([s(0, 5, false)])).toBeUndefined();
  });

  test('per phase: before the fault, while broken, after the heal', () => {
    const samples = [s(0, 10), s(500, 12), s(1000, 310), s(1500, 330), s(2500, 11)];
    expect(phasesOf(samples, { startedAt: 0, faultAt: 1000, healAt: 2000, endedAt: 3000 })).toEqual([
      { name: 'baseline', fromMs: -1000, toMs: 0, sent: 2, failed: 0, latencyMs: { p50: 10, p95: 12, p99: 12 } },
      { name: 'broken', fromMs: 0, toMs: 1000, sent: 2, failed: 0, latencyMs: { p50: 310, p95: 330, p99: 330 } },
      { name: 'after heal', fromMs: 1000, toMs: 2000, sent: 1, failed: 0, latencyMs: { p50: 11, p95: 11, p99: 11 } },
    ]);
  });

  test('"slower" is judged on the p95 of the successes, before and while broken', () => {
    const lab = resolveLab('distributed');
    const slow = lab.scenarios.find((x) => x.name === 'slow-app-1')!;
    const judge = (brokenMs: number) =>
      buildReport({ lab, scenario: slow, options: { flavor: 'debian', intervalMs: 50 }, samples: [s(0, 10), s(500, 12), s(1000, brokenMs), s(1500, brokenMs), s(2500, 11)], events: [], startedAt: 0, faultAt: 1000, healAt: 2000, endedAt: 3000 }).verdict;
    expect(judge(320)).toEqual({ ok: true, contradictions: [] });
    expect(judge(60)!.contradictions).toEqual(['expected requests to be at least 100 ms slower while broken, but they were not (p95 12 ms before, 60 ms while broken)']);
  });
});

describe('the app faults: errors and slow', () => {
  const app = { id: 'c1', name: 'distributed-app-1-1', labels: { 'dev.infra-lab.role': 'app' } } as never;
  const web = { id: 'c2', name: 'distributed-web-1-1', labels: { 'dev.infra-lab.role': 'web' } } as never;
  const runtimeThat = (exitCode = 0) => {
    const calls: string[][] = [];
    return { calls, runtime: { exec: async (_id: string, cmd: string[]) => (calls.push(cmd), { exitCode, output: exitCode ? 'no such process' : '' }) } as never };
  };
  const ctx = (runtime: never) => ({ runtime }) as never;

  test('errors writes the share into the file inside the container and signals the app; undo removes the file and signals again', async () => {
    const { calls, runtime } = runtimeThat();
    const done = await FAULT_MODE_SPECS.errors.inject(ctx(runtime), app, { percent: 50 });
    expect(calls[0].slice(-1)).toEqual(['{"errorPercent":50}']);
    expect(calls[0][2]).toContain('> /tmp/infra-lab-misbehave.json && kill -USR2');
    await FAULT_MODE_SPECS.errors.undo(runtime, done);
    expect(calls[1][2]).toContain('rm -f /tmp/infra-lab-misbehave.json && kill -USR2');
  });

  test('slow asks for the delay; both take only their own option', async () => {
    const { calls, runtime } = runtimeThat();
    await FAULT_MODE_SPECS.slow.inject(ctx(runtime), app, { delayMs: 800 });
    expect(calls[0].slice(-1)).toEqual(['{"delayMs":800}']);
    expect(checkFaultOptions('errors', { percent: 100 })).toEqual({ percent: 100 });
    expect(() => checkFaultOptions('errors', {})).toThrow('--mode errors needs --percent');
    expect(() => checkFaultOptions('slow', { percent: 5 })).toThrow('--percent does not apply to --mode slow; it takes --delay');
  });

  test('only an app server can misbehave, and a failed exec says so', async () => {
    await expect(FAULT_MODE_SPECS.errors.inject(ctx(runtimeThat().runtime), web, { percent: 50 })).rejects.toThrow('distributed-web-1-1 is a web component; only an app server can be made to answer errors or slowly');
    await expect(FAULT_MODE_SPECS.slow.inject(ctx(runtimeThat(1).runtime), app, { delayMs: 800 })).rejects.toThrow('could not make distributed-app-1-1 misbehave: no such process');
  });

  test('distributed has the buggy app-1 scenario', () => {
    expect(resolveLab('distributed').scenarios.find((s) => s.name === 'buggy-app-1')!.action).toEqual({ kind: 'break', component: 'app-1', mode: 'errors', options: { percent: 50 } });
  });
});
