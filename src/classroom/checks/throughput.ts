import { failure } from '../../errors.js';
import { runScenario } from '../../run/experiment.js';
import { TIMINGS } from '../../run/timings.js';
import { PROBE_PACE, type CheckRun } from './check.js';

/**
 * Scaling pays: load at `from` replicas of the role's scalable component, then at `to`, through
 * the entry point (the scale experiment). Under the lab's CPU limits the ratio shows whether the
 * tier, not something in front of it, was the bottleneck.
 */
export const throughput: CheckRun<'throughput'> = async (session, settings) => {
  const role = settings.role ?? 'app';
  const from = settings.from ?? 1;
  const to = settings.to ?? 3;
  const target = `requests/s at ${to} ${role} replicas at least ${settings.min_ratio}x those at ${from}`;
  const c = session.lab.components.find((x) => x.role === role && x.maxReplicas >= to);
  if (!c) return { pass: false, figure: `no ${role} component that may run ${to} replicas (max_replicas)`, target };
  const report = await runScenario(
    session.ctx,
    await session.status(),
    { name: `scale-${c.name}`, title: `scale ${c.name} from ${from} to ${to}`, action: { kind: 'scale', component: c.name, from, to } },
    { holdMs: TIMINGS.holdMs, ...PROBE_PACE },
    session.progress,
  );
  const t = report.throughput;
  if (!t) throw failure('the scale experiment measured no load');
  return {
    pass: t.ratio >= settings.min_ratio,
    figure: `${t.before.requestsPerSecond} requests/s at ${from}, ${t.after.requestsPerSecond} at ${to}: ${t.ratio}x (limit at ${to}: ${t.after.limit})`,
    target,
  };
};
