import type { FailureLayer } from '../lab/model.js';
import type { Sample } from './sample.js';

/**
 * Downtime arithmetic, pure. Samples are ordered by the moment their request started
 * (answers arrive out of order). An outage is a run of consecutive failed requests: it starts
 * when the first of them was sent and ends when the next successful request got its answer,
 * the first moment a user was served again (a request sent during the outage may wait and be
 * answered after it). An outage with no success after it is still open at the end.
 */
export interface Outage {
  start: number;
  /** undefined: no request succeeded after it (within the samples). */
  end?: number;
  ms: number;
  failed: number;
  /** Of the failed requests, those whose outcome is unknown (see Sample.unknown). */
  unknown: number;
  layers: Partial<Record<FailureLayer, number>>;
}

/**
 * Failed requests are told apart by what a client can know: `failed` counts every request that got
 * no successful answer; `unknown` those of them that were sent and may still have been carried out,
 * `certainlyFailed` the rest. A client that retries a write of unknown outcome may apply it twice.
 */
export interface Summary {
  sent: number;
  /** How long the successful requests took; absent when none succeeded. */
  latencyMs?: Percentiles;
  failed: number;
  unknown: number;
  certainlyFailed: number;
  /** Percentage of requests that succeeded, 100 when none was sent. */
  availability: number;
  outages: Outage[];
  longestMs: number;
  totalMs: number;
  byLayer: Partial<Record<FailureLayer, number>>;
}

/** Latency of successful requests: what a user waited for an answer that came. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** The nearest-rank percentiles of the successful requests' durations; undefined when none succeeded. */
export function latency(samples: readonly Sample[]): Percentiles | undefined {
  const ms = samples.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  if (ms.length === 0) return undefined;
  const at = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)]);
  return { p50: at(50), p95: at(95), p99: at(99) };
}

export const byStart = (samples: readonly Sample[]) => [...samples].sort((a, b) => a.t - b.t || a.seq - b.seq);

export function outages(samples: readonly Sample[], until?: number): Outage[] {
  const out: Outage[] = [];
  let current: Outage | undefined;
  for (const s of byStart(samples)) {
    if (!s.ok) {
      current ??= { start: s.t, ms: 0, failed: 0, unknown: 0, layers: {} };
      current.failed++;
      if (s.unknown) current.unknown++;
      if (s.layer) current.layers[s.layer] = (current.layers[s.layer] ?? 0) + 1;
    } else if (current) {
      current.end = answeredAt(s);
      current.ms = current.end - current.start;
      out.push(current);
      current = undefined;
    }
  }
  if (current) {
    // Still failing when the samples stop: it lasted at least until then.
    current.ms = Math.max(0, (until ?? Math.max(...samples.map((s) => s.t))) - current.start);
    out.push(current);
  }
  return mergeOverlapping(out);
}

/** An outage that starts before the previous one was over (its success was slow to answer) is the same outage. */
function mergeOverlapping(list: Outage[]): Outage[] {
  const merged: Outage[] = [];
  for (const o of list) {
    const last = merged[merged.length - 1];
    if (last && (last.end === undefined || o.start < last.end)) {
      last.failed += o.failed;
      last.unknown += o.unknown;
      for (const [layer, n] of Object.entries(o.layers) as [FailureLayer, number][]) last.layers[layer] = (last.layers[layer] ?? 0) + n;
      if (last.end !== undefined) {
        last.end = o.end === undefined ? undefined : Math.max(last.end, o.end);
        last.ms = Math.max(last.ms, (o.end ?? o.start + o.ms) - last.start);
      }
    } else merged.push({ ...o, layers: { ...o.layers } });
  }
  return merged;
}

export function summarize(samples: readonly Sample[], until?: number): Summary {
  const failedSamples = samples.filter((s) => !s.ok);
  const byLayer: Summary['byLayer'] = {};
  for (const s of failedSamples) if (s.layer) byLayer[s.layer] = (byLayer[s.layer] ?? 0) + 1;
  const o = outages(samples, until);
  const unknown = failedSamples.filter((s) => s.unknown).length;
  const latencyMs = latency(samples);
  return {
    sent: samples.length,
    ...(latencyMs ? { latencyMs } : {}),
    failed: failedSamples.length,
    unknown,
    certainlyFailed: failedSamples.length - unknown,
    availability: samples.length ? round(((samples.length - failedSamples.length) / samples.length) * 100, 3) : 100,
    outages: o,
    longestMs: round(Math.max(0, ...o.map((x) => x.ms)), 0),
    totalMs: round(o.reduce((sum, x) => sum + x.ms, 0), 0),
    byLayer,
  };
}

/** From a moment (the fault) to the first failed request that started after it. */
export function timeToDetect(samples: readonly Sample[], fault: number): number | undefined {
  const first = byStart(samples).find((s) => s.t >= fault && !s.ok);
  return first ? first.t - fault : undefined;
}

const answeredAt = (s: Sample) => s.t + s.ms;

/** From a moment (the fault) to the answer of the first successful request after the last failure; undefined while failing. */
export function timeToRecover(samples: readonly Sample[], fault: number): number | undefined {
  const sorted = byStart(samples).filter((s) => s.t >= fault);
  let lastFailure = -1;
  sorted.forEach((s, i) => {
    if (!s.ok) lastFailure = i;
  });
  if (lastFailure < 0) return 0;
  const recovered = sorted.slice(lastFailure + 1).find((s) => s.ok);
  return recovered ? answeredAt(recovered) - fault : undefined;
}

export interface SecondBucket {
  /** Seconds since the start of the window. */
  second: number;
  sent: number;
  failed: number;
  unknown: number;
  layers: Partial<Record<FailureLayer, number>>;
  /** Of the successful requests that started in this second. */
  latencyMs?: Percentiles;
}

/** Requests per second of the window, by the second their request started. */
export function timeline(samples: readonly Sample[], from: number, to: number): SecondBucket[] {
  const seconds = Math.max(1, Math.ceil((to - from) / 1000));
  const buckets: SecondBucket[] = Array.from({ length: seconds }, (_, second) => ({ second, sent: 0, failed: 0, unknown: 0, layers: {} }));
  const inSecond: Sample[][] = buckets.map(() => []);
  for (const s of samples) {
    const i = Math.floor((s.t - from) / 1000);
    if (i < 0 || i >= seconds) continue;
    inSecond[i].push(s);
    buckets[i].sent++;
    if (!s.ok) {
      buckets[i].failed++;
      if (s.unknown) buckets[i].unknown++;
      if (s.layer) buckets[i].layers[s.layer] = (buckets[i].layers[s.layer] ?? 0) + 1;
    }
  }
  buckets.forEach((b, i) => {
    const l = latency(inSecond[i]);
    if (l) b.latencyMs = l;
  });
  return buckets;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
