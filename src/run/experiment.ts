import { describeAction, type Lab, type Scenario } from '../lab/model.js';
import { failure, usageError } from '../errors.js';
import { baseComponent, methodsOf } from '../faults/faults.js';
import { byStart } from '../measure/downtime.js';
import type { Sample } from '../measure/sample.js';
import { buildReport, judge, type ExperimentReport, type Measurement, type ThroughputPoint } from '../measure/report.js';
import type { Flavor } from '../render/flavors.js';
import { COMPOSE_LABEL, type EngineEvent } from '../engine/runtime.js';
import { openProject, projectDirOf, readFaults, readLabCa } from '../project/project.js';
import type { RunContext } from './context.js';
import { breakComponent, breakServer, heal, targetsIn } from './faults.js';
import { FAULT_MODE_SPECS } from '../faults/modes/index.js';
import { flavorFor, labOfRef, labStatus, waitForComponents, type LabStatus } from './labs.js';
import { lockLab } from './lock.js';
import { startProbe } from './probe.js';
import { up } from './up.js';
import type { Progress } from './events.js';
import { waitUntil } from './wait.js';
import { currentVersions, deploy, nextVersion, refusal } from './deploy.js';
import { scale } from './scale.js';
import { runLoad } from './load.js';
import { TIMINGS } from './timings.js';
import { httpGet } from '../measure/http.js';

export interface ExperimentOptions {
  /** The flavor asked for; by default the one the lab runs with (see flavorFor). */
  flavor?: Flavor;
  /** How long a break lasts before infra-lab heals it. */
  holdMs: number;
  intervalMs: number;
  timeoutMs: number;
}

/** How the probe measures: the caller's pace, the shared defaults for the rest. */
export interface MeasureOptions {
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Run one scenario of a lab: baseline, fault, heal, recovery, all probed; then judge it against the
 * lab's expectation. The lab is named as for up: a file, the name of a lab infra-lab has a project
 * of (with the file and flavor it was started with), or a built-in lab.
 */
export async function runExperiment(ctx: RunContext, ref: string, scenarioName: string, options: ExperimentOptions, progress: Progress): Promise<ExperimentReport> {
  const { lab, labText, project } = labOfRef(ctx, ref);
  const scenario = lab.scenarios.find((s) => s.name === scenarioName);
  if (!scenario)
    throw usageError(`the lab ${lab.name} has no scenario '${scenarioName}'; its scenarios: ${lab.scenarios.map((s) => s.name).join(', ') || 'none'}`);
  const action = scenario.action;
  if (action.kind === 'deploy') {
    const why = refusal(lab, action.strategy);
    if (why) throw usageError(why);
  }
  await ctx.runtime.ping();
  const flavor = flavorFor(project ? await labStatus(ctx, project) : undefined, options.flavor);

  return lockLab(ctx, lab.name, progress, async () => {
    await up(ctx, lab, { flavor, labText }, progress);
    const status = await currentStatus(ctx, lab);
    if (readFaults(status.projectDir).length)
      throw usageError(`${lab.name} has broken components (infra-lab status ${lab.name}); heal them first: infra-lab heal --all --lab ${lab.name}`);
    return runScenario(ctx, status, scenario, options, progress);
  });
}

/** A scenario's measurement without an expectation: what a check of a classroom exercise judges by its own limits. */
export type MeasuredScenario = Omit<Scenario, 'expect'> & { expect?: Scenario['expect'] };

/** Runs a scenario on a lab that is up and not broken, and reports (and, given an expectation, judges) it. */
export async function runScenario(ctx: RunContext, status: LabStatus, scenario: MeasuredScenario, options: Omit<ExperimentOptions, 'flavor'>, progress: Progress): Promise<ExperimentReport> {
  const action = scenario.action;
  if (action.kind === 'scale') return scaleExperiment(ctx, status, scenario, action, options, progress);
  let injectedBy: string | undefined;
  const m = await measure(ctx, status, options, progress, async () => {
    const r = await performAction(ctx, status, action, options, progress);
    injectedBy = r.injectedBy;
    return r.healAt;
  });
  return buildReport({ lab: status.project.lab, scenario, options: { flavor: status.flavor, intervalMs: options.intervalMs }, injectedBy, ...m });
}

/**
 * A scale scenario: load at the smaller size, then the probe watches while replicas are added,
 * then load at the larger size; judged on failed requests and on the throughput ratio.
 */
async function scaleExperiment(
  ctx: RunContext,
  status: LabStatus,
  scenario: MeasuredScenario,
  action: Extract<Scenario['action'], { kind: 'scale' }>,
  options: Omit<ExperimentOptions, 'flavor'>,
  progress: Progress,
): Promise<ExperimentReport> {
  const lab = status.project.lab;
  const point = async (replicas: number): Promise<ThroughputPoint> => {
    const s = await currentStatus(ctx, lab);
    progress({ kind: 'step', text: `load for ${TIMINGS.loadSeconds} s with ${replicas} ${action.component} replica(s)` });
    const r = await runLoad(ctx, s, { url: (s.endpoints.https ?? s.endpoints.http)!, host: `www.${lab.domain}`, path: '/', connections: 16, durationS: TIMINGS.loadSeconds, ca: readLabCa(s.projectDir) });
    return { replicas, requestsPerSecond: r.requestsPerSecond, p99Ms: r.latencyMs.p99, errors: Object.values(r.errors.byStatus).reduce((a, b) => a + b, 0) + r.errors.timeouts + r.errors.connection, limit: r.limit };
  };
  progress({ kind: 'step', text: `scale ${action.component} to ${action.from}` });
  await scale(ctx, status, action.component, action.from);
  const before = await point(action.from);
  await settled(ctx, await currentStatus(ctx, lab), options.timeoutMs);
  const m = await measure(ctx, await currentStatus(ctx, lab), options, progress, async () => {
    progress({ kind: 'step', text: `scale ${action.component} to ${action.to}` });
    await scale(ctx, await currentStatus(ctx, lab), action.component, action.to);
    return undefined;
  });
  const after = await point(action.to);
  const report = buildReport({ lab, scenario, options: { flavor: status.flavor, intervalMs: options.intervalMs }, ...m });
  report.throughput = { before, after, ratio: Math.round((after.requestsPerSecond / Math.max(0.001, before.requestsPerSecond)) * 100) / 100 };
  if (scenario.expect) report.verdict = judge(report, scenario.expect, m.samples);
  return report;
}

/**
 * Probes the user's path while `act` runs: a steady baseline first (the lab must serve every
 * request), then the act (which returns when it healed what it broke, if it did), then until a
 * second's worth of requests in a row have succeeded; and collects the engine's events meanwhile.
 */
export async function measure(ctx: RunContext, status: LabStatus, options: MeasureOptions, progress: Progress, act: () => Promise<number | undefined>): Promise<Measurement> {
  const lab = status.project.lab;
  const { baselineMs, recoveryTimeoutMs } = TIMINGS;
  progress({ kind: 'step', text: `probing www.${lab.domain} every ${options.intervalMs} ms; baseline for ${baselineMs / 1000} s` });
  const recording = await ctx.runtime.recordEvents([`${COMPOSE_LABEL.project}=${status.projectName}`]);
  const probe = await startProbe(ctx, lab, status, { intervalMs: options.intervalMs, timeoutMs: options.timeoutMs }).catch(async (err: unknown) => {
    await recording.stop(0, 0);
    throw err;
  });
  let startedAt = ctx.clock();
  let faultAt = startedAt;
  let events: EngineEvent[] = [];
  let healAt: number | undefined;
  try {
    // The probe's Node takes seconds to start on a busy machine: the baseline begins with its first answer.
    await waitUntil(async () => (probe.samples.length ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, clock: ctx.clock, sleep: ctx.sleep });
    startedAt = await steadyBaseline(ctx, probe.samples, baselineMs);
    faultAt = ctx.clock();
    healAt = await act();
    const needed = Math.ceil(1000 / options.intervalMs);
    const recovered = await waitUntil(async () => (recoveredFrom(probe.samples, faultAt, needed) ? true : undefined), {
      timeoutMs: recoveryTimeoutMs,
      intervalMs: 200,
      clock: ctx.clock,
      sleep: ctx.sleep,
    });
    if (!recovered) progress({ kind: 'step', text: `the user's path did not recover within ${recoveryTimeoutMs / 1000} s` });
    // Let the requests still in flight answer.
    await ctx.sleep(options.timeoutMs);
  } finally {
    try {
      await probe.stop();
    } finally {
      events = await recording.stop(startedAt - 1000, ctx.clock());
    }
  }
  const endedAt = ctx.clock() - options.timeoutMs;
  const samples = probe.samples.filter((s) => s.t >= startedAt && s.t <= endedAt);
  return { samples, events, startedAt, faultAt, healAt, endedAt };
}

/**
 * Waits for a baseline: `baselineMs` in which every request succeeded. A lab that is still
 * settling (a busy machine, the end of a load run) gets a new window after each failure, until
 * STEADY_TIMEOUT_MS; one that cannot serve a clean window by then is not steady, and nothing is
 * broken. Resolves with the start of the clean window, where the measurement begins.
 */
export async function steadyBaseline(ctx: Pick<RunContext, 'clock' | 'sleep'>, samples: readonly Sample[], baselineMs: number): Promise<number> {
  const first = ctx.clock();
  let windowStart = first;
  for (;;) {
    await ctx.sleep(Math.max(0, windowStart + baselineMs - ctx.clock()));
    const inWindow = samples.filter((s) => s.t >= windowStart);
    const failed = inWindow.filter((s) => !s.ok);
    // A request of the window still in flight (a gap in the sequence numbers) may yet fail: wait for it.
    const pending = inWindow.length > 0 && inWindow.length <= Math.max(...inWindow.map((s) => s.seq)) - Math.min(...inWindow.map((s) => s.seq));
    if (inWindow.length > 0 && failed.length === 0 && !pending) return windowStart;
    if (ctx.clock() - first >= STEADY_TIMEOUT_MS) {
      const all = samples.filter((s) => s.t >= first);
      const bad = all.filter((s) => !s.ok);
      if (all.length === 0) throw failure('the probe sent no request during the baseline');
      throw failure(
        `the lab is not steady: ${bad.length} of ${all.length} requests failed in ${Math.round(STEADY_TIMEOUT_MS / 1000)} s before any fault, with no clean ${baselineMs / 1000} s in between (first: ${bad[0].layer} ${bad[0].detail ?? ''})`,
      );
    }
    if (failed.length) windowStart = Math.max(...failed.map((s) => s.t + s.ms));
    else await ctx.sleep(100);
  }
}

/** How long a measurement waits for a clean baseline before it calls the lab not steady. */
export const STEADY_TIMEOUT_MS = 30_000;

/**
 * Carries out a scenario's action; returns when infra-lab healed what it broke, with the moment of
 * the heal (undefined when it did not heal) and, for network faults, the method that acted.
 */
async function performAction(
  ctx: RunContext,
  status: LabStatus,
  action: Scenario['action'],
  options: Omit<ExperimentOptions, 'flavor'>,
  progress: Progress,
): Promise<{ healAt?: number; injectedBy?: string }> {
  const lab = status.project.lab;
  if (action.kind === 'restart') {
    progress({ kind: 'step', text: `restart ${action.component}` });
    await restartComponent(ctx, status, action.component);
    return {};
  }
  if (action.kind === 'deploy') {
    const version = nextVersion(currentVersions(status.project));
    progress({ kind: 'step', text: `deploy version ${version}, ${action.strategy}` });
    await deploy(ctx, lab, status, action.strategy, version, progress);
    return {};
  }
  if (action.kind === 'scale') {
    await scale(ctx, status, action.component, action.to);
    return {};
  }
  const what = describeAction(action);
  progress({ kind: 'step', text: what });
  const faults =
    action.kind === 'break-server' ? await breakServer(ctx, status, action.server, action.mode) : [await breakComponent(ctx, status, action.component, action.mode, action.options)];
  const components = faults.map((f) => f.component);
  let healAt: number | undefined;
  if (!FAULT_MODE_SPECS[action.mode].healsItself) {
    await ctx.sleep(options.holdMs);
    healAt = ctx.clock();
    progress({ kind: 'step', text: `heal ${components.join(', ')} after ${options.holdMs / 1000} s` });
  } else progress({ kind: 'step', text: `waiting for the restart policy to bring ${components.join(', ')} back (heal starts it if the policy is "no")` });
  await heal(ctx, await currentStatus(ctx, lab), components, { timeoutMs: TIMINGS.recoveryTimeoutMs });
  const methods = methodsOf(faults);
  return { healAt, injectedBy: methods.length ? methods.join(', ') : undefined };
}

/** A maintenance restart: stop and start the component's containers, then wait until it is ready again. */
export async function restartComponent(ctx: RunContext, status: LabStatus, name: string): Promise<void> {
  const { targets } = targetsIn(status, name);
  for (const c of targets) await ctx.runtime.restart(c.id);
  const { ok: ready } = await waitForComponents(ctx, status.project, [baseComponent(name)], TIMINGS.readyTimeoutMs);
  if (!ready) throw failure(`${name} did not become ready again within ${TIMINGS.readyTimeoutMs / 1000} s after the restart`);
}

/** The lab's status now, from its project opened again (a scale changes its replica counts). */
async function currentStatus(ctx: RunContext, lab: Lab): Promise<LabStatus> {
  return labStatus(ctx, openProject(projectDirOf(ctx.home, lab.name)));
}

function recoveredFrom(samples: readonly Sample[], faultAt: number, needed: number): boolean {
  const after = byStart(samples).filter((s) => s.t >= faultAt);
  let run = 0;
  for (const s of after) run = s.ok ? run + 1 : 0;
  return run >= needed;
}

/**
 * After a load run the app servers may still be working off its backlog (a CPU limit makes that
 * take seconds): wait until a request is answered well within the probe's timeout again, so that
 * the baseline measures the lab, not the end of the load.
 */
async function settled(ctx: RunContext, status: LabStatus, timeoutMs: number): Promise<void> {
  const url = (status.endpoints.https ?? status.endpoints.http)!;
  const options = { host: `www.${status.project.lab.domain}`, ca: readLabCa(status.projectDir), timeoutMs };
  const quick = async () => {
    const start = ctx.clock();
    const r = await httpGet(url, options).catch(() => undefined);
    return r?.status === 200 && ctx.clock() - start < timeoutMs / 4 ? true : undefined;
  };
  const ok = await waitUntil(async () => ((await quick()) && (await quick()) ? true : undefined), { timeoutMs: TIMINGS.readyTimeoutMs, intervalMs: 200, clock: ctx.clock, sleep: ctx.sleep });
  if (!ok) throw failure(`${status.lab} still answers slowly ${TIMINGS.readyTimeoutMs / 1000} s after the load run; see infra-lab status ${status.lab}`);
}
