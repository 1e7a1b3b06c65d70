import { byStart } from '../../measure/downtime.js';
import type { ExperimentReport } from '../../measure/report.js';
import { runScenario } from '../../run/experiment.js';
import type { CheckRun, CheckSession } from './check.js';
import { TIMINGS } from '../../run/timings.js';
import { PROBE_PACE } from './check.js';
import { breakTargets, describeSelector, selectComponents } from './select.js';
import type { CheckKinds } from '../exercise.js';

/**
 * Breaks each selected component in turn while the probe runs (baseline, break, hold, heal,
 * recovery: the experiment's measurement) and holds the failed requests to the check's limits.
 */
export const survive: CheckRun<'survive'> = async (session, settings) => {
  const components = selectComponents(session.lab, settings.each);
  const targets = breakTargets(await session.status(), components);
  const minTargets = settings.min_targets ?? 1;
  const target = limitsOf(settings);
  if (targets.length < minTargets)
    return { pass: false, figure: `${targets.length} such component(s) (${describeSelector(settings.each)})`, target: `at least ${minTargets}; then ${target}` };
  const figures: string[] = [];
  let pass = true;
  for (const name of targets) {
    const report = await breakAndMeasure(session, name, settings);
    const problems = judge(report, settings);
    pass &&= problems.length === 0;
    figures.push(`${name}: ${figureOf(report)}${problems.length ? ` (${problems.join('; ')})` : ''}`);
  }
  return { pass, figure: figures.join('; '), target };
};

export async function breakAndMeasure(session: CheckSession, name: string, settings: { mode?: CheckKinds['survive']['mode']; hold_s?: number }): Promise<ExperimentReport> {
  const mode = settings.mode ?? 'kill';
  return runScenario(
    session.ctx,
    await session.status(),
    { name: `${mode}-${name}`, title: `${mode} ${name}`, action: { kind: 'break', component: name, mode } },
    { holdMs: (settings.hold_s ?? TIMINGS.holdMs / 1000) * 1000, ...PROBE_PACE },
    session.progress,
  );
}

/** From the break to the end of the last failed request: how long the broken component kept costing requests. */
export function failingMs(report: ExperimentReport): number {
  const failed = byStart(report.samples ?? []).filter((s) => !s.ok);
  return failed.length ? Math.max(0, Math.round(Math.max(...failed.map((s) => s.t + s.ms)) - report.faultAt)) : 0;
}

function figureOf(r: ExperimentReport): string {
  const rw = r.write.sent || r.read.sent ? `, writes ${r.write.failed}/${r.write.sent} and reads ${r.read.failed}/${r.read.sent} failed` : '';
  const layers = Object.entries(r.all.byLayer).map(([layer, n]) => `${layer} ${n}`).join(', ');
  return `${r.all.failed} of ${r.all.sent} requests failed${r.all.failed ? ` over ${(failingMs(r) / 1000).toFixed(1)} s (${layers})` : ''}${rw}`;
}

function limitsOf(s: CheckKinds['survive']): string {
  const parts = [
    s.max_failed !== undefined && `at most ${s.max_failed} failed`,
    s.max_failing_ms !== undefined && `failures over at most ${(s.max_failing_ms / 1000).toFixed(1)} s`,
    s.min_failed !== undefined && `at least ${s.min_failed} failed`,
    s.reads && (s.reads === 'ok' ? 'no read fails' : 'reads fail'),
    s.writes && (s.writes === 'ok' ? 'no write fails' : 'writes fail'),
  ];
  return `${parts.filter(Boolean).join(', ')} per ${s.mode ?? 'kill'} of ${describeSelector(s.each)}`;
}

function judge(r: ExperimentReport, s: CheckKinds['survive']): string[] {
  const out: string[] = [];
  if (s.max_failed !== undefined && r.all.failed > s.max_failed) out.push(`more than ${s.max_failed} failed`);
  if (s.max_failing_ms !== undefined && failingMs(r) > s.max_failing_ms) out.push(`failures went on longer than ${(s.max_failing_ms / 1000).toFixed(1)} s`);
  if (s.min_failed !== undefined && r.all.failed < s.min_failed) out.push(`fewer than ${s.min_failed} failed`);
  if (s.reads === 'ok' && r.read.failed > 0) out.push('reads failed');
  if (s.reads === 'fail' && r.read.failed === 0) out.push('no read failed');
  if (s.writes === 'ok' && r.write.failed > 0) out.push('writes failed');
  if (s.writes === 'fail' && r.write.failed === 0) out.push('no write failed');
  if (r.timeToRecoverMs === undefined) out.push('the site had not recovered when the measurement ended');
  return out;
}

