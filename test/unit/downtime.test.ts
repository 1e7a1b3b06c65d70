import { outages, summarize, timeline, timeToDetect, timeToRecover } from '../../src/measure/downtime.js';
import type { Sample } from '../../src/measure/sample.js';

let seq = 0;
/** A sample that started at t ms; 'x' failed at the database, 'd' at DNS, 't' timed out, '.' ok. */
const at = (t: number, mark = '.'): Sample => ({
  seq: seq++,
  kind: 'write',
  t,
  ms: mark === 't' ? 2000 : 5,
  ok: mark === '.',
  layer: mark === 'x' ? 'database' : mark === 'd' ? 'dns' : mark === 't' ? 'timeout' : undefined,
});
/** Samples every 50 ms from t0, one per character of the pattern. */
const series = (pattern: string, t0 = 1_000_000) => [...pattern].map((mark, i) => at(t0 + i * 50, mark));

test('no failure, no outage, 100% availability', () => {
  const s = summarize(series('..........'));
  expect(s).toMatchObject({ sent: 10, failed: 0, availability: 100, outages: [], longestMs: 0, totalMs: 0 });
});

test('one gap: from the first failed request sent to the answer of the next successful one', () => {
  const s = summarize(series('...xxxx...'));
  expect(s.outages).toEqual([{ start: 1_000_150, end: 1_000_355, ms: 205, failed: 4, unknown: 0, layers: { database: 4 } }]);
  expect(s.availability).toBe(60);
});

test('flapping: several outages; the longest and the total are told apart', () => {
  const s = summarize(series('.x.xx.xxx.'));
  expect(s.outages.map((o) => o.ms)).toEqual([55, 105, 155]);
  expect([s.longestMs, s.totalMs, s.failed]).toEqual([155, 315, 6]);
});

test('answers arriving out of order are put back in the order their requests started', () => {
  const samples = series('..xx..');
  const shuffled = [samples[3], samples[0], samples[5], samples[2], samples[1], samples[4]];
  expect(outages(shuffled)).toEqual(outages(samples));
});

test('a probe request that itself times out counts from when it started, not when it gave up', () => {
  const samples = [at(0), at(50, 't'), at(100, 't'), at(150)];
  expect(outages(samples)).toEqual([{ start: 50, end: 155, ms: 105, failed: 2, unknown: 0, layers: { timeout: 2 } }]);
});

test('a request sent during the outage that waited and was answered after it ends the outage at its answer', () => {
  const slow = { ...at(200), ms: 900 };
  const samples = [at(0), at(100, 'x'), slow, at(250, 'x'), at(300)];
  // Sorted by start, the slow success (sent at 200) ends the first outage only at 1100, and the
  // failure sent at 250 falls inside it: one outage, as a user saw it.
  expect(outages(samples)).toEqual([{ start: 100, end: 1100, ms: 1000, failed: 2, unknown: 0, layers: { database: 2 } }]);
});

test('an outage still open at the end lasts until the end of the window', () => {
  const s = summarize(series('..xxx'), 1_000_400);
  expect(s.outages).toEqual([{ start: 1_000_100, ms: 300, failed: 3, unknown: 0, layers: { database: 3 } }]);
});

test('samples starting at the same moment are ordered by sequence', () => {
  const samples = [at(100, 'x'), at(100), at(150)];
  expect(outages(samples)).toEqual([{ start: 100, end: 105, ms: 5, failed: 1, unknown: 0, layers: { database: 1 } }]);
});

test('time to detect and time to recover are measured from the fault', () => {
  const samples = series('....xxxx..', 0); // fault injected at 175 ms
  expect(timeToDetect(samples, 175)).toBe(25);
  expect(timeToRecover(samples, 175)).toBe(230);
  expect(timeToRecover(series('....xxxx', 0), 175)).toBeUndefined();
  expect(timeToRecover(series('........', 0), 175)).toBe(0);
  expect(timeToDetect(series('........', 0), 175)).toBeUndefined();
});

test('a per-second timeline counts requests by the second they started in, and drops those outside', () => {
  const samples = [at(-10, 'x'), at(0), at(999, 'd'), at(1000, 'x'), at(1500), at(2000)];
  expect(timeline(samples, 0, 2000)).toEqual([
    { second: 0, sent: 2, failed: 1, unknown: 0, layers: { dns: 1 }, latencyMs: { p50: 5, p95: 5, p99: 5 } },
    { second: 1, sent: 2, failed: 1, unknown: 0, layers: { database: 1 }, latencyMs: { p50: 5, p95: 5, p99: 5 } },
  ]);
});

describe('requests of unknown outcome are counted apart from those that certainly failed', () => {
  // 'u': sent, then timed out with no answer (it may have been carried out); 'x' refused by the database.
  const unknownAt = (t: number): Sample => ({ ...at(t, 't'), unknown: true });

  test('in the summary: failed = certainly failed + unknown; availability counts both as failed', () => {
    const samples = [at(0), at(50, 'x'), unknownAt(100), unknownAt(150), at(200, 'x'), at(250)];
    const s = summarize(samples);
    expect(s).toMatchObject({ sent: 6, failed: 4, unknown: 2, certainlyFailed: 2 });
    expect(s.availability).toBeCloseTo(33.333, 3);
  });

  test('in each outage, also when two outages merge', () => {
    const slow = { ...at(200), ms: 900 };
    const samples = [at(0), unknownAt(100), slow, at(250, 'x'), unknownAt(260), at(300)];
    expect(outages(samples)).toEqual([{ start: 100, end: 1100, ms: 1000, failed: 3, unknown: 2, layers: { timeout: 2, database: 1 } }]);
  });

  test('in the per-second timeline', () => {
    expect(timeline([unknownAt(10), at(20, 'x'), at(1200), unknownAt(1300)], 0, 2000).map((b) => [b.failed, b.unknown])).toEqual([
      [2, 1],
      [1, 1],
    ]);
  });

  test('none sent, none unknown', () => {
    expect(summarize([])).toMatchObject({ sent: 0, failed: 0, unknown: 0, certainlyFailed: 0, availability: 100 });
  });
});
