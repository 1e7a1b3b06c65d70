import fs from 'node:fs';
import path from 'node:path';
import type { FailureLayer, Lab, Scenario } from '../lab/model.js';
import { failure, usageError } from '../errors.js';
import { baseComponent, readFaults, selectTargets } from '../faults/faults.js';
import { summarize, timeline, timeToDetect, timeToRecover, byStart, type SecondBucket, type Summary } from '../probes/downtime.js';
import type { Sample } from '../probes/sample.js';
import type { Flavor } from '../render/flavors.js';
import { COMPOSE_LABEL, type EngineEvent } from '../engine/runtime.js';
import { projectDirOf, type RunContext } from './context.js';
import { breakComponent, heal } from './faults.js';
import { labStatus, waitForComponents, type LabStatus } from './labs.js';
import { startProbe } from './probe.js';
import { readLabCa, readProjectInfo } from '../render/generate.js';
import { up } from './up.js';
import type { Progress } from './events.js';
import { waitUntil } from './wait.js';
import { currentVersions, deploy, nextVersion, refusal } from './deploy.js';
import { scale } from './scale.js';
import { runLoad } from './load.js';

export interface ExperimentOptions {
  flavor: Flavor;
  /** How long a break lasts before infra-lab heals it. */
  holdMs: number;
  baselineMs: number;
  intervalMs: number;
  timeoutMs: number;
  /** How long to wait for the user's path to work again after the heal. */
  recoveryTimeoutMs: number;
  /** For scale scenarios: how long each load run lasts. */
  loadSeconds: number;
}

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
  /** The engine's own record, times relative to the fault. */
  events: { ms: number; action: string; service: string; container: string }[];
  /** The broken component as the engine saw it: from its first stop event to healthy (or started) again. */
  engineOutageMs?: number;
  /** For writes: the counter around the failures, and whether it continued (see dataContinuity). */
  data?: DataContinuity;
  /** Each code version that answered, with the first answer's time relative to the fault (deploys). */
  versions?: { version: string; firstMs: number }[];
  /** For scale scenarios: load before and after. */
  throughput?: { before: ThroughputPoint; after: ThroughputPoint; ratio: number };
  verdict?: Verdict;
}

export interface ThroughputPoint {
  replicas: number;
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  limit: string;
}

const STOP_ACTIONS = new Set(['kill', 'die', 'stop', 'pause', 'disconnect']);

/** Run one scenario of a lab: baseline, fault, heal, recovery, all probed; then judge it against the lab's expectation. */
export async function runExperiment(ctx: RunContext, lab: Lab, scenarioName: string, options: ExperimentOptions, progress: Progress): Promise<ExperimentReport> {
  const scenario = lab.scenarios.find((s) => s.name === scenarioName);
  if (!scenario)
    throw usageError(`the lab ${lab.name} has no scenario '${scenarioName}'; its scenarios: ${lab.scenarios.map((s) => s.name).join(', ') || 'none'}`);
  const action = scenario.action;
  if (action.kind === 'deploy') {
    const why = refusal(lab, action.strategy);
    if (why) throw usageError(why);
  }

  await up(ctx, lab, { flavor: options.flavor }, progress);
  const status = await currentStatus(ctx, lab);
  if (readFaults(status.projectDir).length)
    throw usageError(`${lab.name} has broken components (infra-lab status ${lab.name}); heal them first: infra-lab heal --all --lab ${lab.name}`);

  if (action.kind === 'scale') return scaleExperiment(ctx, lab, status, scenario, action, options, progress);
  const m = await measure(ctx, lab, status, options, progress, () => performAction(ctx, lab, status, action, options, progress));
  return buildReport({ lab, scenario, options, ...m });
}

/**
 * A scale scenario: load at the smaller size, then the probe watches while replicas are added,
 * then load at the larger size; judged on failed requests and on the throughput ratio.
 */
async function scaleExperiment(
  ctx: RunContext,
  lab: Lab,
  status: LabStatus,
  scenario: Scenario,
  action: Extract<Scenario['action'], { kind: 'scale' }>,
  options: ExperimentOptions,
  progress: Progress,
): Promise<ExperimentReport> {
  const point = async (replicas: number): Promise<ThroughputPoint> => {
    const s = await currentStatus(ctx, lab);
    progress({ kind: 'step', text: `load for ${options.loadSeconds} s with ${replicas} ${action.component} replica(s)` });
    const r = await runLoad(ctx, s, { url: (s.endpoints.https ?? s.endpoints.http)!, host: `www.${lab.domain}`, path: '/', connections: 16, durationS: options.loadSeconds, ca: readLabCa(s.projectDir, lab.domain) });
    return { replicas, requestsPerSecond: r.requestsPerSecond, p99Ms: r.latencyMs.p99, errors: Object.values(r.errors.byStatus).reduce((a, b) => a + b, 0) + r.errors.timeouts + r.errors.connection, limit: r.limit };
  };
  progress({ kind: 'step', text: `scale ${action.component} to ${action.from}` });
  await scale(ctx, lab, status, action.component, action.from);
  const before = await point(action.from);
  const m = await measure(ctx, lab, await currentStatus(ctx, lab), options, progress, async () => {
    progress({ kind: 'step', text: `scale ${action.component} to ${action.to}` });
    await scale(ctx, lab, await currentStatus(ctx, lab), action.component, action.to);
    return undefined;
  });
  const after = await point(action.to);
  const report = buildReport({ lab, scenario, options, ...m });
  report.throughput = { before, after, ratio: Math.round((after.requestsPerSecond / Math.max(0.001, before.requestsPerSecond)) * 100) / 100 };
  report.verdict = judge(report, scenario.expect, m.samples);
  return report;
}



export interface Measurement {
  samples: Sample[];
  events: EngineEvent[];
  startedAt: number;
  faultAt: number;
  healAt?: number;
  endedAt: number;
}

/**
 * Probes the user's path while `act` runs: a steady baseline first (the lab must serve every
 * request), then the act (which returns when it healed what it broke, if it did), then until a
 * second's worth of requests in a row have succeeded; and collects the engine's events meanwhile.
 */
export async function measure(
  ctx: RunContext,
  lab: Lab,
  status: LabStatus,
  options: Pick<ExperimentOptions, 'baselineMs' | 'intervalMs' | 'timeoutMs' | 'recoveryTimeoutMs'>,
  progress: Progress,
  act: () => Promise<number | undefined>,
): Promise<Measurement> {
  progress({ kind: 'step', text: `probing www.${lab.domain} every ${options.intervalMs} ms; baseline for ${options.baselineMs / 1000} s` });
  const probe = await startProbe(ctx, lab, status, { intervalMs: options.intervalMs, timeoutMs: options.timeoutMs });
  // The probe's Node takes seconds to start on a busy machine: the baseline begins with its first answer.
  await waitUntil(async () => (probe.samples.length ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, clock: ctx.clock, sleep: ctx.sleep });
  const startedAt = ctx.clock();
  let faultAt = startedAt;
  let healAt: number | undefined;
  try {
    await ctx.sleep(options.baselineMs);
    const baselineFailures = probe.samples.filter((s) => !s.ok);
    if (probe.samples.length === 0) throw failure('the probe sent no request during the baseline');
    if (baselineFailures.length)
      throw failure(`the lab is not steady: ${baselineFailures.length} of ${probe.samples.length} requests failed before any fault (first: ${baselineFailures[0].layer} ${baselineFailures[0].detail ?? ''})`);
    faultAt = ctx.clock();
    healAt = await act();
    const needed = Math.ceil(1000 / options.intervalMs);
    const recovered = await waitUntil(async () => (recoveredFrom(probe.samples, faultAt, needed) ? true : undefined), {
      timeoutMs: options.recoveryTimeoutMs,
      intervalMs: 200,
      clock: ctx.clock,
      sleep: ctx.sleep,
    });
    if (!recovered) progress({ kind: 'step', text: `the user's path did not recover within ${options.recoveryTimeoutMs / 1000} s` });
    // Let the requests still in flight answer.
    await ctx.sleep(options.timeoutMs);
  } finally {
    await probe.stop();
  }
  const endedAt = ctx.clock() - options.timeoutMs;
  const samples = probe.samples.filter((s) => s.t <= endedAt);
  const events = await ctx.runtime.events([`${COMPOSE_LABEL.project}=${status.projectName}`], startedAt - 1000, endedAt + options.timeoutMs);
  return { samples, events, startedAt, faultAt, healAt, endedAt };
}

/** Carries out a scenario's action; returns when infra-lab healed what it broke (undefined when it did not heal). */
async function performAction(ctx: RunContext, lab: Lab, status: LabStatus, action: Scenario['action'], options: ExperimentOptions, progress: Progress): Promise<number | undefined> {
  if (action.kind === 'restart') {
    progress({ kind: 'step', text: `restart ${action.component}` });
    await restartComponent(ctx, status, action.component, options.recoveryTimeoutMs);
    return undefined;
  }
  if (action.kind === 'deploy') {
    const version = nextVersion(currentVersions(lab, status.projectDir));
    progress({ kind: 'step', text: `deploy version ${version}, ${action.strategy}` });
    await deploy(ctx, lab, status, action.strategy, version, progress);
    return undefined;
  }
  if (action.kind === 'scale') {
    await scale(ctx, lab, status, action.component, action.to);
    return undefined;
  }
  progress({ kind: 'step', text: `${action.mode} ${action.component}` });
  await breakComponent(ctx, status, action.component, action.mode);
  let healAt: number | undefined;
  if (action.mode !== 'crash') {
    await ctx.sleep(options.holdMs);
    healAt = ctx.clock();
    progress({ kind: 'step', text: `heal ${action.component} after ${options.holdMs / 1000} s` });
  } else progress({ kind: 'step', text: `waiting for the restart policy to bring ${action.component} back` });
  await heal(ctx, await currentStatus(ctx, lab), [action.component], { timeoutMs: options.recoveryTimeoutMs });
  return healAt;
}

/** A maintenance restart: stop and start the component's containers, then wait until it is ready again. */
export async function restartComponent(ctx: RunContext, status: LabStatus, name: string, timeoutMs: number): Promise<void> {
  const { targets } = selectTargets(name, status.services.flatMap((s) => s.containers), status.services.map((s) => s.component));
  for (const c of targets) await ctx.runtime.restart(c.id);
  const { ok: ready } = await waitForComponents(ctx, status.projectDir, [baseComponent(name)], timeoutMs);
  if (!ready) throw failure(`${name} did not become ready again within ${timeoutMs / 1000} s after the restart`);
}

async function currentStatus(ctx: RunContext, lab: Lab): Promise<LabStatus> {
  const dir = projectDirOf(ctx.home, lab.name);
  return labStatus(ctx, dir, readProjectInfo(dir)!);
}

function recoveredFrom(samples: readonly Sample[], faultAt: number, needed: number): boolean {
  const after = byStart(samples).filter((s) => s.t >= faultAt);
  let run = 0;
  for (const s of after) run = s.ok ? run + 1 : 0;
  return run >= needed;
}

export interface ReportInput extends Measurement {
  lab: Lab;
  scenario: Omit<Scenario, 'expect'> & { expect?: Scenario['expect'] };
  options: Pick<ExperimentOptions, 'flavor' | 'intervalMs'>;
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
    events,
    engineOutageMs: component ? engineOutage(input.events.filter((e) => e.service === component), faultAt) : undefined,
    data: dataContinuity(samples),
    versions: versionsOf(samples, faultAt),
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
  return { lastAcknowledged, firstAfter: next.visits, continued: next.visits > lastAcknowledged, skipped, unknownWrites, skipsExplained: skipped <= unknownWrites };
}

/** Compare what was measured with what the lab file says the student should see. */
export function judge(report: ExperimentReport, e: Scenario['expect'], samples: readonly Sample[]): Verdict {
  const out: string[] = [];
  const { all } = report;
  if (e.failures === 'none' && all.failed > 0) out.push(`expected no failed request, but ${all.failed} of ${all.sent} failed (${layerList(all.byLayer)})`);
  if (e.failures !== 'none' && all.failed === 0) out.push(`expected requests to fail, but all ${all.sent} succeeded`);
  if (e.failures === 'all' && all.failed > 0) {
    // While the component is broken (from the first failure until the heal), no answer may be a success.
    const sorted = byStart(samples);
    const first = sorted.find((s) => !s.ok)!;
    const until = report.healAt ?? first.t;
    const succeeded = sorted.filter((s) => s.ok && s.t > first.t && s.t + s.ms < until);
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

/** Writes the report as JSON and Markdown into the lab's folder; returns the two paths. */
export function saveReport(projectDir: string, report: ExperimentReport, markdown: string): { json: string; markdown: string } {
  const dir = path.join(projectDir, 'reports');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date(report.startedAt).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = path.join(dir, `${report.scenario}-${stamp}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, markdown);
  return { json: `${base}.json`, markdown: `${base}.md` };
}
