import { resolveLab } from '../../src/lab/load.js';
import { buildReport, dataContinuity, engineOutage } from '../../src/measure/report.js';
import { nextVersion, refusal } from '../../src/run/deploy.js';
import { parseScale } from '../../src/run/scale.js';
import { whichLimit, type LoadResult } from '../../src/run/load.js';
import type { Sample } from '../../src/measure/sample.js';
import type { EngineEvent } from '../../src/engine/runtime.js';

let seq = 0;
const sample = (t: number, ok: boolean, over: Partial<Sample> = {}): Sample => ({ seq: seq++, kind: seq % 2 ? 'write' : 'read', t, ms: 5, ok, layer: ok ? undefined : 'database', ...over });

describe('judging an experiment against the lab file', () => {
  const lab = resolveLab('single-server');
  const killDb = lab.scenarios.find((s) => s.name === 'kill-db')!;
  const report = (samples: Sample[], healAt = 5000) =>
    buildReport({ lab, scenario: killDb, options: { flavor: 'debian', intervalMs: 50 }, samples, events: [], startedAt: 0, faultAt: 1000, healAt, endedAt: 9000 });

  test('all requests failing as database errors while broken, then recovering: as expected', () => {
    const samples = [...[0, 500].map((t) => sample(t, true)), ...[1000, 2000, 4000, 5500].map((t) => sample(t, false)), sample(6000, true), sample(7000, true)];
    expect(report(samples).verdict).toEqual({ ok: true, contradictions: [] });
  });

  test('a success answered while the database was down contradicts "every request fails"', () => {
    const samples = [sample(0, true), sample(1000, false), sample(2000, true), sample(3000, false), sample(6000, true)];
    expect(report(samples).verdict!.contradictions).toEqual(['expected every request to fail while broken, but 1 succeeded between the first failure and the heal']);
  });

  test('requests sent after one that hangs on a dying server, answered before it fails, are no contradiction', () => {
    // As Podman measured: the kill took effect 1 s after the fault; a request sent at 1100 hung until then.
    const samples = [sample(0, true), sample(1100, false, { ms: 1300 }), sample(1150, true), sample(1200, true), ...[1300, 2500, 4000].map((t) => sample(t, false)), sample(6000, true)];
    expect(report(samples).verdict).toEqual({ ok: true, contradictions: [] });
  });

  test('failures of another layer, and no recovery, are named', () => {
    const samples = [sample(0, true), sample(1000, false, { layer: 'timeout' }), sample(2000, false)];
    expect(report(samples).verdict!.contradictions).toEqual(['expected failures only in database, but 1 in timeout', 'the user path had not recovered when the experiment ended']);
  });

  test('a lost write is reported', () => {
    const w = (t: number, ok: boolean, visits?: number): Sample => sample(t, ok, { kind: 'write', visits });
    expect(dataContinuity([w(0, true, 7), w(1000, false), w(6000, true, 8)])).toEqual({ lastAcknowledged: 7, firstAfter: 8, continued: true, skipped: 0, unknownWrites: 0, skipsExplained: true });
    expect(dataContinuity([w(0, true, 7), w(1000, false), w(6000, true, 1)])).toEqual({ lastAcknowledged: 7, firstAfter: 1, continued: false, skipped: 0, unknownWrites: 0, skipsExplained: true });
    expect(dataContinuity([w(0, true, 7), w(1000, false)])).toEqual({ lastAcknowledged: 7, continued: false, unknownWrites: 0 });
  });

  test('a write the database saw late (its packet was lost and sent again) is no data loss', () => {
    const w = (t: number, ok: boolean, visits?: number): Sample => sample(t, ok, { kind: 'write', visits });
    // 416 was sent first but applied after 413, which was sent after the failure; 417 follows.
    expect(dataContinuity([w(0, true, 412), w(50, true, 416), w(80, false), w(100, true, 413), w(150, true, 417)])).toMatchObject({ lastAcknowledged: 416, firstAfter: 413, continued: true });
  });

  test('writes of unknown outcome explain a counter that skipped; writes that certainly failed do not', () => {
    const w = (t: number, ok: boolean, over: Partial<Sample> = {}): Sample => sample(t, ok, { kind: 'write', ...over });
    const unknown = (t: number) => w(t, false, { layer: 'timeout', unknown: true, ms: 2000 });
    // Two writes timed out after being sent; the database applied one of them when it came back.
    expect(dataContinuity([w(0, true, { visits: 7 }), unknown(1000), unknown(1100), w(1200, false), w(6000, true, { visits: 9 })])).toEqual({
      lastAcknowledged: 7,
      firstAfter: 9,
      continued: true,
      skipped: 1,
      unknownWrites: 2,
      skipsExplained: true,
    });
    // Only one write's outcome was unknown, yet two values were skipped.
    expect(dataContinuity([w(0, true, { visits: 7 }), unknown(1000), w(1200, false), w(6000, true, { visits: 10 })])).toMatchObject({ skipped: 2, unknownWrites: 1, skipsExplained: false, continued: true });
    // A write of unknown outcome sent after the first acknowledged one cannot explain a gap before it.
    expect(dataContinuity([w(0, true, { visits: 7 }), w(1000, false), w(6000, true, { visits: 9 }), unknown(7000)])).toMatchObject({ skipped: 1, unknownWrites: 0, skipsExplained: false });
  });

  test('without an expectation (a measured restart or deploy) there is no verdict', () => {
    const r = buildReport({ lab, scenario: { name: 'restart-web', title: 't', action: { kind: 'restart', component: 'web' } }, options: { flavor: 'debian', intervalMs: 50 }, samples: [sample(0, true)], events: [], startedAt: 0, faultAt: 0, endedAt: 100 });
    expect(r.verdict).toBeUndefined();
  });
});

test("the engine's view of an outage: first stop-like event to healthy again", () => {
  const ev = (time: number, action: string): EngineEvent => ({ time, action, service: 'db', container: 'db', attributes: {} });
  expect(engineOutage([ev(1010, 'kill'), ev(1050, 'die'), ev(6300, 'start'), ev(8400, 'health_status: healthy')], 1000)).toBe(7390);
  expect(engineOutage([ev(1010, 'pause'), ev(6000, 'unpause')], 1000)).toBe(4990);
  expect(engineOutage([ev(500, 'die')], 1000)).toBeUndefined();
});

test('deploy strategies a lab cannot support are refused with the reason', () => {
  expect(refusal(resolveLab('single-server'), 'rolling')).toContain('has only app: during any deploy the site is down');
  expect(refusal(resolveLab('single-server'), 'recreate')).toBeUndefined();
  expect(refusal(resolveLab('distributed'), 'blue-green')).toBeUndefined();
  expect(refusal(resolveLab('scale-up'), 'rolling')).toContain('one service of replicas');
  expect(nextVersion({ 'app-1': '2', 'app-2': '3' })).toBe('4');
  expect(nextVersion({ app: 'beta' })).toBe('2');
});

test('scale takes component=N', () => {
  expect(parseScale('app=3')).toEqual({ component: 'app', replicas: 3 });
  expect(() => parseScale('app:3')).toThrow("write the new size as component=N, e.g. app=3 (got 'app:3')");
});

describe('which limit a load ran into', () => {
  const base: Omit<LoadResult, 'limit' | 'perSecond'> = {
    requests: 100,
    durationS: 10,
    requestsPerSecond: 10,
    latencyMs: { p50: 1, p90: 1, p99: 1, max: 1 },
    errors: { byStatus: {}, timeouts: 0, connection: 0 },
    generatorCores: 0.1,
    hostCores: 2,
    containers: [],
  };
  const app = (cores: number) => ({ component: 'app', container: 'a', role: 'app', cores, limitCores: 0.5 });
  test('app servers at their CPU limit', () => {
    expect(whichLimit({ ...base, containers: [app(0.46), app(0.44)] })).toMatch(/^app CPU: the 2 app server\(s\) used 90% of their limit of 0.5/);
  });
  test('the host cores', () => {
    expect(whichLimit({ ...base, containers: [app(0.3), { component: 'lb', container: 'l', role: 'lb', cores: 1.6 }] })).toMatch(/^host cores: the lab and the load generator used 2.00 of 2 cores/);
  });
  test('one saturated process', () => {
    expect(whichLimit({ ...base, containers: [app(0.2), { component: 'lb', container: 'l', role: 'lb', cores: 0.95 }] })).toBe('lb (0.95 of 1 core): saturated');
  });
  test('the generator itself', () => {
    expect(whichLimit({ ...base, generatorCores: 0.97, containers: [app(0.2)] })).toMatch(/^the load generator itself/);
  });
  test('nothing saturated', () => {
    expect(whichLimit({ ...base, containers: [app(0.1)] })).toMatch(/^none of the CPUs/);
  });
});

test('the summary tells requests of unknown outcome from those that certainly failed, and says why it matters', async () => {
  const { formatSummary } = await import('../../src/cli/report.js');
  const { summarize } = await import('../../src/measure/downtime.js');
  const lines = formatSummary(summarize([sample(0, true), sample(50, false), sample(100, false, { layer: 'timeout', unknown: true }), sample(150, true)]), 1000);
  expect(lines[0]).toBe('4 requests in 1.0 s: 2 failed (1 certainly, 1 of unknown outcome), availability 50%');
  expect(lines).toContain(
    'unknown outcome: the request was sent, then timed out or was cut off before an answer (or the app could not tell whether its database applied it), so it may have been carried out; a client that retries such a write may apply it twice.',
  );
  expect(formatSummary(summarize([sample(0, true), sample(50, false), sample(100, true)]), 1000)).toEqual([
    '3 requests in 1.0 s: 1 failed, availability 66.667%',
    'downtime: longest 55 ms, total 55 ms in 1 outage(s)',
    'failures by layer: database 1',
    'latency of successful requests: p50 5 ms, p95 5 ms, p99 5 ms',
  ]);
});

describe('where reads went', () => {
  const lab = resolveLab('distributed');
  const scenario = lab.scenarios.find((s) => s.name === 'lose-server-2')!;
  const read = (t: number, instance: string, readFrom: string, ms = 5): Sample => sample(t, true, { kind: 'read', instance, readFrom, ms });

  test('the report says when an app server\'s reads moved to the primary and came back, by the time of each answer', () => {
    const samples = [
      read(0, 'app-1', 'db-replica'),
      read(100, 'app-2', 'db-replica'),
      // Sent before the fault, answered after it, from the primary: the move is at its answer.
      read(900, 'app-1', 'db-primary', 300),
      // Sent later, answered earlier, from the replica: no move back and forth.
      read(950, 'app-1', 'db-replica', 10),
      read(6000, 'app-1', 'db-replica'),
    ];
    const r = buildReport({ lab, scenario, options: { flavor: 'debian', intervalMs: 50 }, samples, events: [], startedAt: 0, faultAt: 1000, healAt: 5000, endedAt: 9000 });
    expect(r.readsFrom).toEqual([
      { instance: 'app-1', from: 'db-replica', ms: -995 },
      { instance: 'app-2', from: 'db-replica', ms: -895 },
      { instance: 'app-1', from: 'db-primary', ms: 200 },
      { instance: 'app-1', from: 'db-replica', ms: 5005 },
    ]);
  });

  test('samples without the header (an older app) give no such list', () => {
    const r = buildReport({ lab, scenario, options: { flavor: 'debian', intervalMs: 50 }, samples: [sample(0, true)], events: [], startedAt: 0, faultAt: 1000, endedAt: 9000 });
    expect(r.readsFrom).toBeUndefined();
  });
});
