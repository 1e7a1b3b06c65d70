import type { FailureLayer, Lab, Scenario } from '../lab/model.js';
import type { EngineEvent } from '../engine/runtime.js';
import type { Flavor } from '../render/flavors.js';
import { baseComponent } from '../faults/faults.js';
import { FAULT_MODE_SPECS } from '../faults/modes/index.js';
import { latency, summarize, timeline, timeToDetect, timeToRecover, byStart, type Percentiles, type SecondBucket, type Summary } from './downtime.js';
import type { Sample } from './sample.js';

/**
 * The report of a measured experiment or maintenance action, built from the probe's samples and the
 * engine's events, and judged against what the lab file expects: pure, so that it is tested on made-up samples.
 */

export interface Verdict {
  ok: boolean;
  /** Each way the measurement contradicts what the lab file expects. */
  contradictions: string[];
}

export interface ExperimentReport {
  lab: string;
  scenario: string;
  title: string;
  action: Scenario['action'];
  /** Network faults: what acted in the target's namespace (netem, nfqueue, iptables, tbf). */
  injectedBy?: string;
  /** Absent for a measured maintenance command (restart, deploy) that no scenario describes. */
  expect?: Scenario['expect'];
  flavor: Flavor;
  intervalMs: number;
  /** ms since 1970 */
  startedAt: number;
  faultAt: number;
  healAt?: number;
  endedAt: number;
  all: Summary;
  write: Summary;
  read: Summary;
  timeToDetectMs?: number;
  timeToRecoverMs?: number;
  timeline: SecondBucket[];
  /** Before the fault, while it lasted (until the heal, or the end for an action that is not healed), and after the heal. */
  phases: Phase[];
  /** The engine's own record, times relative to the fault. */
  events: { ms: number; action: string; service: string; container: string }[];
  /** The broken component as the engine saw it: from its first stop event to healthy (or started) again. */
  engineOutageMs?: number;
  /** For writes: the counter around the failures, and whether it continued (see dataContinuity). */
  data?: DataContinuity;
  /** Each code version that answered, with the first answer's time relative to the fault (deploys). */
  versions?: { version: string; firstMs: number }[];
  /**
   * Where each app server read the counter from, and when that changed: its first answer, then each
   * answer from another database than the one before (ms from the fault, when the answer came).
   * Shows when reads moved to the primary because the replica was away, and when they came back.
   */
  readsFrom?: ReadsFrom[];
  /** For scale scenarios: load before and after. */
  throughput?: { before: ThroughputPoint; after: ThroughputPoint; ratio: number };
  verdict?: Verdict;
  /** Every probe request, for the charts of the HTML report. */
  samples?: Sample[];
}

export interface ReadsFrom {
  instance: string;
  from: string;
  ms: number;
}

export interface Phase {
  name: 'baseline' | 'broken' | 'after heal';
  /** ms relative to the fault */
  fromMs: number;
  toMs: number;
  sent: number;
  failed: number;
  latencyMs?: Percentiles;
}

/** How much slower the p95 of successful requests must be while broken than in the baseline for `slower: true`. */
export const SLOWER_BY_MS = 100;

/** The phases of a measurement, by the moment each request started. */
export function phasesOf(samples: readonly Sample[], m: Pick<Measurement, 'startedAt' | 'faultAt' | 'healAt' | 'endedAt'>): Phase[] {
  const bounds: [Phase['name'], number, number][] = [
    ['baseline', m.startedAt, m.faultAt],
    ['broken', m.faultAt, m.healAt ?? m.endedAt],
    ...(m.healAt !== undefined ? [['after heal', m.healAt, m.endedAt] as [Phase['name'], number, number]] : []),
  ];
  return bounds.map(([name, from, to]) => {
    const inside = samples.filter((s) => s.t >= from && s.t < to);
    const latencyMs = latency(inside);
    return { name, fromMs: Math.round(from - m.faultAt), toMs: Math.round(to - m.faultAt), sent: inside.length, failed: inside.filter((s) => !s.ok).length, ...(latencyMs ? { latencyMs } : {}) };
  });
}

export interface ThroughputPoint {
  replicas: number;
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  limit: string;
}

/** The engine events by which the engine sees a component go down, from every fault mode. */
const STOP_ACTIONS = new Set(Object.values(FAULT_MODE_SPECS).flatMap((m) => m.downEvents));

export interface Measurement {
  samples: Sample[];
  events: EngineEvent[];
  startedAt: number;
  faultAt: number;
  healAt?: number;
  endedAt: number;
}

export interface ReportInput extends Measurement {
  lab: Lab;
  scenario: Omit<Scenario, 'expect'> & { expect?: Scenario['expect'] };
  options: { flavor: Flavor; intervalMs: number };
  /** Network faults: what acted (netem, nfqueue, iptables, tbf). */
  injectedBy?: string;
}

/** The report of an experiment from its samples and events: pure, so that it can be tested on made-up samples. */
export function buildReport(input: ReportInput): ExperimentReport {
  const { scenario, samples, faultAt } = input;
  const component = 'component' in scenario.action ? baseComponent(scenario.action.component) : undefined;
  const events = input.events.map((e) => ({ ms: Math.round(e.time - faultAt), action: e.action, service: e.service, container: e.container }));
  const report: ExperimentReport = {
    lab: input.lab.name,
    scenario: scenario.name,
    title: scenario.title,
    action: scenario.action,
    expect: scenario.expect,
    ...(input.injectedBy ? { injectedBy: input.injectedBy } : {}),
    flavor: input.options.flavor,
    intervalMs: input.options.intervalMs,
    startedAt: input.startedAt,
    faultAt,
    healAt: input.healAt,
    endedAt: input.endedAt,
    all: summarize(samples, input.endedAt),
    write: summarize(samples.filter((s) => s.kind === 'write'), input.endedAt),
    read: summarize(samples.filter((s) => s.kind === 'read'), input.endedAt),
    timeToDetectMs: round(timeToDetect(samples, faultAt)),
    timeToRecoverMs: round(timeToRecover(samples, faultAt)),
    timeline: timeline(samples, input.startedAt, input.endedAt),
    phases: phasesOf(samples, input),
    events,
    engineOutageMs: component ? engineOutage(input.events.filter((e) => e.service === component), faultAt) : undefined,
    data: dataContinuity(samples),
    versions: versionsOf(samples, faultAt),
    readsFrom: readsFromOf(samples, faultAt),
    samples: byStart(samples),
  };
  if (scenario.expect) report.verdict = judge(report, scenario.expect, samples);
  return report;
}

const round = (x: number | undefined) => (x === undefined ? undefined : Math.round(x));

/** From the component's first stop-like event after the fault to its first healthy (or, without a healthcheck, start) event after that. */
export function engineOutage(events: EngineEvent[], faultAt: number): number | undefined {
  const sorted = [...events].sort((a, b) => a.time - b.time).filter((e) => e.time >= faultAt - 50);
  const down = sorted.find((e) => STOP_ACTIONS.has(e.action.split(':')[0]));
  if (!down) return undefined;
  const after = sorted.filter((e) => e.time > down.time);
  const hasHealth = sorted.some((e) => e.action.startsWith('health_status'));
  const back = after.find((e) => (hasHealth ? e.action === 'health_status: healthy' : e.action === 'start' || e.action === 'unpause' || e.action === 'connect'));
  return back ? Math.round(back.time - down.time) : undefined;
}

function versionsOf(samples: readonly Sample[], faultAt: number): ExperimentReport['versions'] {
  const first = new Map<string, number>();
  for (const s of byStart(samples)) if (s.ok && s.version && !first.has(s.version)) first.set(s.version, Math.round(s.t + s.ms - faultAt));
  return [...first].map(([version, firstMs]) => ({ version, firstMs }));
}

/** Each app server's first database read from, then each change (by the time of the answer). */
export function readsFromOf(samples: readonly Sample[], faultAt: number): ReadsFrom[] | undefined {
  const answered = samples.filter((s) => s.ok && s.instance && s.readFrom).sort((a, b) => a.t + a.ms - (b.t + b.ms));
  if (answered.length === 0) return undefined;
  const last = new Map<string, string>();
  const out: ReadsFrom[] = [];
  for (const s of answered) {
    if (last.get(s.instance!) === s.readFrom) continue;
    last.set(s.instance!, s.readFrom!);
    out.push({ instance: s.instance!, from: s.readFrom!, ms: Math.round(s.t + s.ms - faultAt) });
  }
  return out;
}

export interface DataContinuity {
  /** The last counter value acknowledged before the first failed write. */
  lastAcknowledged: number;
  /** The first value acknowledged after it. */
  firstAfter?: number;
  /** Nothing acknowledged was lost: the counter went on above the last acknowledged value. */
  continued: boolean;
  /** Values between the two that no client saw acknowledged: failed writes that were applied after all. */
  skipped?: number;
  /** Failed writes of unknown outcome before the first acknowledged one after: how many may have been applied. */
  unknownWrites: number;
  /** Every skipped value is one of those writes; if not, a write reported as certainly failed was applied (or another client wrote). */
  skipsExplained?: boolean;
}

/** Did the visit counter continue from the last value a client saw acknowledged, and do its gaps match the writes of unknown outcome? */
export function dataContinuity(samples: readonly Sample[]): DataContinuity | undefined {
  const writes = byStart(samples).filter((s) => s.kind === 'write');
  const firstFailure = writes.findIndex((s) => !s.ok);
  if (firstFailure < 0) return undefined;
  const before = writes.slice(0, firstFailure).filter((s) => s.ok && s.visits !== undefined);
  const after = writes.slice(firstFailure).filter((s) => s.ok && s.visits !== undefined);
  if (before.length === 0) return undefined;
  const lastAcknowledged = Math.max(...before.map((s) => s.visits!));
  const next = after[0];
  // A write sent before the first acknowledged one after the failures answered may have been applied before it.
  const unknownWrites = writes.slice(firstFailure).filter((s) => s.unknown && (!next || s.t < next.t + next.ms)).length;
  if (next?.visits === undefined) return { lastAcknowledged, continued: false, unknownWrites };
  const skipped = Math.max(0, next.visits - lastAcknowledged - 1);
  // Writes are ordered by when they were sent, which is not always the order the database saw them
  // in (a lost packet sent again delays one): the counter continued if any value acknowledged after
  // the failure is above the last one before it; a database that lost its data acknowledges none.
  const continued = Math.max(...after.map((s) => s.visits!)) > lastAcknowledged;
  return { lastAcknowledged, firstAfter: next.visits, continued, skipped, unknownWrites, skipsExplained: skipped <= unknownWrites };
}

/** Compare what was measured with what the lab file says the student should see. */
export function judge(report: ExperimentReport, e: Scenario['expect'], samples: readonly Sample[]): Verdict {
  const out: string[] = [];
  const { all } = report;
  if (e.failures === 'none' && all.failed > 0) out.push(`expected no failed request, but ${all.failed} of ${all.sent} failed (${layerList(all.byLayer)})`);
  if (e.failures !== 'none' && all.failed === 0) out.push(`expected requests to fail, but all ${all.sent} succeeded`);
  if (e.failures === 'all' && all.failed > 0) {
    // While the component is broken (from the first failure until the heal), no answer may be a success.
    // The break shows when a failure ends: a request sent before it may hang on a dying server (a kill
    // that the engine takes a second to carry out) while requests sent after it still succeed.
    const sorted = byStart(samples);
    const brokenFrom = Math.min(...sorted.filter((s) => !s.ok).map((s) => s.t + s.ms));
    const until = report.healAt ?? brokenFrom;
    const succeeded = sorted.filter((s) => s.ok && s.t > brokenFrom && s.t + s.ms < until);
    if (succeeded.length) out.push(`expected every request to fail while broken, but ${succeeded.length} succeeded between the first failure and the heal`);
  }
  if (e.layers) {
    const other = Object.entries(all.byLayer).filter(([layer]) => !e.layers!.includes(layer as FailureLayer));
    if (other.length) out.push(`expected failures only in ${e.layers.join(', ')}, but ${other.map(([l, n]) => `${n} in ${l}`).join(', ')}`);
  }
  if (e.writes === 'fail' && report.write.failed === 0) out.push('expected writes to fail, but none did');
  if (e.writes === 'ok' && report.write.failed > 0) out.push(`expected writes to succeed, but ${report.write.failed} failed`);
  if (e.reads === 'fail' && report.read.failed === 0) out.push('expected reads to fail, but none did');
  if (e.reads === 'ok' && report.read.failed > 0) out.push(`expected reads to be served, but ${report.read.failed} failed (${layerList(report.read.byLayer)})`);
  if (report.data && !report.data.continued && e.failures !== 'none')
    out.push(`data lost: the counter was acknowledged at ${report.data.lastAcknowledged} before the failure, and read ${report.data.firstAfter ?? 'nothing'} after`);
  if (report.timeToRecoverMs === undefined) out.push('the user path had not recovered when the experiment ended');
  if (e.slower !== undefined) {
    const p95 = (name: Phase['name']) => report.phases.find((p) => p.name === name)?.latencyMs?.p95;
    const [before, during] = [p95('baseline'), p95('broken')];
    const slower = before !== undefined && during !== undefined && during - before >= SLOWER_BY_MS;
    const figures = `p95 ${before ?? '-'} ms before, ${during ?? '-'} ms while broken`;
    if (e.slower && !slower) out.push(`expected requests to be at least ${SLOWER_BY_MS} ms slower while broken, but they were not (${figures})`);
    if (!e.slower && slower) out.push(`expected requests not to be slower while broken, but they were (${figures})`);
  }
  if (e.min_throughput_ratio !== undefined) {
    const t = report.throughput;
    if (!t) out.push('expected a throughput ratio, but no load was measured');
    else if (t.ratio < e.min_throughput_ratio)
      out.push(`expected throughput to grow at least ${e.min_throughput_ratio}x, but it went from ${t.before.requestsPerSecond} to ${t.after.requestsPerSecond} requests/s (${t.ratio}x; limit: ${t.after.limit})`);
  }
  return { ok: out.length === 0, contradictions: out };
}

const layerList = (byLayer: Partial<Record<FailureLayer, number>>) =>
  Object.entries(byLayer)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ') || 'none';
