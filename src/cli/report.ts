import type { Summary } from '../measure/downtime.js';
import { LAYER_MARK } from '../measure/sample.js';
import path from 'node:path';
import type { DataContinuity, ExperimentReport } from '../measure/report.js';
import { openProject, projectDirOf, saveReport } from '../project/project.js';
import { writeExperimentHtml } from '../report/html-report.js';
import { seconds, type Output } from './output.js';

const ms = (x: number | undefined) => (x === undefined ? 'n/a' : x < 1000 ? `${Math.round(x)} ms` : seconds(x));
const layers = (s: Summary) =>
  Object.entries(s.byLayer)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ') || 'none';

/** "3 failed" or "3 failed (2 certainly, 1 of unknown outcome)". */
const failedCount = (s: Summary) => (s.unknown ? `${s.failed} failed (${s.certainlyFailed} certainly, ${s.unknown} of unknown outcome)` : `${s.failed} failed`);

/** Said once wherever requests of unknown outcome are counted. */
export const UNKNOWN_OUTCOME_WHY =
  'unknown outcome: the request was sent, then timed out or was cut off before an answer (or the app could not tell whether its database applied it), so it may have been carried out; a client that retries such a write may apply it twice.';

export function formatSummary(s: Summary, durationMs: number): string[] {
  return [
    `${s.sent} requests in ${seconds(durationMs)}: ${failedCount(s)}, availability ${s.availability}%`,
    `downtime: longest ${ms(s.longestMs)}, total ${ms(s.totalMs)} in ${s.outages.length} outage(s)`,
    `failures by layer: ${layers(s)}`,
    ...(s.latencyMs ? [`latency of successful requests: p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms, p99 ${s.latencyMs.p99} ms`] : []),
    ...(s.unknown ? [UNKNOWN_OUTCOME_WHY] : []),
  ];
}

/** The counter's continuity in words, with the writes that were answered as failed but applied. */
function dataLine(d: DataContinuity): string {
  const head = `last acknowledged visit ${d.lastAcknowledged}, first after recovery ${d.firstAfter ?? 'none'}: ${d.continued ? 'nothing lost' : 'LOST'}`;
  if (d.skipped === undefined) return `${head}; ${d.unknownWrites} write(s) of unknown outcome`;
  if (d.skipped === 0) return `${head}; ${d.unknownWrites} write(s) of unknown outcome, none applied`;
  return d.skipsExplained
    ? `${head}; ${d.skipped} write(s) answered as failed were applied after all (of ${d.unknownWrites} of unknown outcome)`
    : `${head}; the counter skipped ${d.skipped} but only ${d.unknownWrites} write(s) had an unknown outcome: writes reported as certainly failed were applied, or another client wrote`;
}

/** The summary printed at the end of an experiment. */
export function formatReport(r: ExperimentReport): string[] {
  // Writes and reads can fail apart (a dead primary): their outages are told separately.
  const path = (name: string, s: Summary) =>
    `  ${name}: ${failedCount(s)} of ${s.sent}; downtime: longest ${ms(s.longestMs)}, total ${ms(s.totalMs)} in ${s.outages.length} outage(s)`;
  const lines = [
    `${r.lab} / ${r.scenario}: ${r.title}`,
    ...(r.expect ? [`expected: ${r.expect.says}`] : []),
    '',
    `  ${r.all.sent} requests in ${seconds(r.endedAt - r.startedAt)}: ${failedCount(r.all)}, availability ${r.all.availability}%; failures by layer: ${layers(r.all)}`,
    path('writes (GET /api/visits)', r.write),
    path('reads  (GET /)', r.read),
    r.timeToDetectMs === undefined
      ? '  no request failed after the fault'
      : `  time to detect: ${ms(r.timeToDetectMs)} after the fault; time to recover: ${ms(r.timeToRecoverMs)} after the fault${r.healAt ? ` (healed after ${ms(r.healAt - r.faultAt)})` : ''}`,
  ];
  if (r.engineOutageMs !== undefined) lines.push(`  the engine's view: the component was down for ${ms(r.engineOutageMs)} (first stop event to healthy again)`);
  if (r.throughput) {
    const t = r.throughput;
    lines.push(`  throughput: ${t.before.requestsPerSecond} requests/s with ${t.before.replicas} replica(s), ${t.after.requestsPerSecond} with ${t.after.replicas}: ${t.ratio}x`);
    lines.push(`    limit with ${t.before.replicas}: ${t.before.limit}`, `    limit with ${t.after.replicas}: ${t.after.limit}`);
  }
  const versions = versionsSeen(r);
  if (versions) lines.push(`  versions answering: ${versions}`);
  const reads = readsMoved(r);
  if (reads) lines.push(`  reads (ms from the fault): ${reads}`);
  if (r.all.unknown) lines.push(`  ${UNKNOWN_OUTCOME_WHY}`);
  if (r.data) lines.push(`  data: ${dataLine(r.data)}`);
  if (r.injectedBy) lines.push(`  the fault was injected with ${r.injectedBy}`);
  lines.push('', '  latency of successful requests, p50 / p95 / p99:');
  for (const p of r.phases) lines.push(`  ${p.name.padEnd(11)} ${p.latencyMs ? `${p.latencyMs.p50} / ${p.latencyMs.p95} / ${p.latencyMs.p99} ms` : 'none succeeded'}  (${p.sent - p.failed} of ${p.sent})`);
  lines.push('', '  timeline (one row per second; . ok, D dns, C connect, T timeout, H http, B database; p50 / p95 of the successes):');
  for (const b of r.timeline) {
    const fails = Object.entries(b.layers)
      .map(([l, n]) => `${LAYER_MARK[l as keyof typeof LAYER_MARK]}${n}`)
      .join(' ');
    const t = b.second * 1000 + r.startedAt - r.faultAt;
    const latency = b.latencyMs ? `${b.latencyMs.p50} / ${b.latencyMs.p95} ms` : '';
    const second = Math.round(t / 1000);
    lines.push(
      `  ${`${second >= 0 ? '+' : '-'}${Math.abs(second)}`.padStart(4)} s  ${'.'.repeat(Math.min(40, Math.round(((b.sent - b.failed) / Math.max(1, b.sent)) * 20))).padEnd(20)}  ${`${b.sent - b.failed}/${b.sent} ok`.padEnd(10)}${latency.padEnd(14)}${fails ? `  ${fails}` : ''}${b.unknown ? ` (${b.unknown} of unknown outcome)` : ''}`.trimEnd(),
    );
  }
  const shown = r.events.filter((e) => !e.action.startsWith('exec_'));
  if (shown.length) {
    lines.push('', '  engine events (ms from the fault):');
    for (const e of shown) lines.push(`  ${String(e.ms).padStart(7)}  ${e.service.padEnd(12)} ${e.action}`);
  }
  if (r.verdict) lines.push('', r.verdict.ok ? 'verdict: as expected' : `verdict: NOT as expected\n${r.verdict.contradictions.map((c) => `  - ${c}`).join('\n')}`);
  return lines;
}

/** Where reads went, for each app server whose reads moved: "app-1 read from db-replica, from db-primary at +120 ms, from db-replica at +6.3 s". */
export function readsMoved(r: ExperimentReport): string | undefined {
  const moves = r.readsFrom ?? [];
  const moved = [...new Set(moves.map((m) => m.instance))].filter((i) => moves.filter((m) => m.instance === i).length > 1);
  if (moved.length === 0) return undefined;
  const at = (x: number) => `${x < 0 ? '-' : '+'}${ms(Math.abs(x))}`;
  return moved
    .map((i) => {
      const [first, ...rest] = moves.filter((m) => m.instance === i);
      return `${i} read from ${first.from}, ${rest.map((m) => `from ${m.from} at ${at(m.ms)}`).join(', ')}`;
    })
    .join('; ');
}

/** Which code versions answered, and from when (for deploys). */
function versionsSeen(r: ExperimentReport): string | undefined {
  if (!r.versions || r.versions.length < 2) return undefined;
  return r.versions.map((v) => `${v.version} from ${ms(v.firstMs)}`).join(', then ');
}

export function reportMarkdown(r: ExperimentReport): string {
  const row = (name: string, s: Summary) => `| ${name} | ${s.sent} | ${s.failed} | ${s.unknown} | ${s.availability}% | ${ms(s.longestMs)} | ${ms(s.totalMs)} | ${layers(s)} |`;
  return `<!-- Experiment report written by infra-lab. -->
# ${r.lab} / ${r.scenario}

${r.title}. Started ${new Date(r.startedAt).toISOString()}, ${r.flavor} images, one request every ${r.intervalMs} ms.

${r.expect ? `**Expected:** ${r.expect.says}\n\n` : ''}${r.verdict ? `**Verdict:** ${r.verdict.ok ? 'as expected' : `not as expected: ${r.verdict.contradictions.join('; ')}`}\n` : ''}
| requests | sent | failed | of which unknown outcome | availability | longest outage | total downtime | failures by layer |
|---|---|---|---|---|---|---|---|
${row('all', r.all)}
${row('writes', r.write)}
${row('reads', r.read)}
${r.all.unknown ? `\n${UNKNOWN_OUTCOME_WHY[0].toUpperCase()}${UNKNOWN_OUTCOME_WHY.slice(1)}\n` : ''}
- time to detect: ${ms(r.timeToDetectMs)}; time to recover: ${ms(r.timeToRecoverMs)} (from the fault)
${r.healAt ? `- healed ${ms(r.healAt - r.faultAt)} after the fault\n` : ''}${r.engineOutageMs !== undefined ? `- the engine's view of the component's outage: ${ms(r.engineOutageMs)}\n` : ''}${r.throughput ? `- throughput: ${r.throughput.before.requestsPerSecond} requests/s with ${r.throughput.before.replicas} replica(s), ${r.throughput.after.requestsPerSecond} with ${r.throughput.after.replicas} (${r.throughput.ratio}x)\n` : ''}${versionsSeen(r) ? `- versions answering: ${versionsSeen(r)}\n` : ''}${readsMoved(r) ? `- reads (from the fault): ${readsMoved(r)}\n` : ''}${r.data ? `- data: ${dataLine(r.data)}\n` : ''}
${r.injectedBy ? `- the fault was injected with ${r.injectedBy}\n` : ''}
## Latency of successful requests

| phase | from (ms from the fault) | to | succeeded | p50 | p95 | p99 |
|---|---|---|---|---|---|---|
${r.phases.map((p) => `| ${p.name} | ${p.fromMs} | ${p.toMs} | ${p.sent - p.failed} of ${p.sent} | ${p.latencyMs ? `${p.latencyMs.p50} ms | ${p.latencyMs.p95} ms | ${p.latencyMs.p99} ms` : '- | - | -'} |`).join('\n')}

## Timeline

| second (from the fault) | sent | failed | unknown outcome | layers | p50 | p95 | p99 |
|---|---|---|---|---|---|---|---|
${r.timeline.map((b) => `| ${Math.round((b.second * 1000 + r.startedAt - r.faultAt) / 1000)} | ${b.sent} | ${b.failed} | ${b.unknown} | ${Object.entries(b.layers).map(([l, n]) => `${l} ${n}`).join(', ')} | ${b.latencyMs ? `${b.latencyMs.p50} | ${b.latencyMs.p95} | ${b.latencyMs.p99}` : '- | - | -'} |`).join('\n')}

## Engine events

| ms from the fault | component | event |
|---|---|---|
${r.events.filter((e) => !e.action.startsWith('exec_')).map((e) => `| ${e.ms} | ${e.service} | ${e.action} |`).join('\n')}
`;
}

/** Saves a report in the lab's folder (JSON, Markdown and HTML) and prints it, or prints it as JSON. */
export async function presentReport(home: string, report: ExperimentReport, json: boolean, output: Output): Promise<void> {
  const dir = projectDirOf(home, report.lab);
  const files = saveReport(dir, report.scenario, report.startedAt, report, reportMarkdown(report));
  const html = await writeExperimentHtml(files.json, report, openProject(dir).lab);
  if (json) {
    output.out(JSON.stringify({ ...report, files: { ...files, html } }, null, 2));
    return;
  }
  for (const line of formatReport(report)) output.out(line);
  const shown = path.relative(process.cwd(), files.markdown);
  output.out(`\nreport: ${shown.startsWith('..') ? files.markdown : shown} (and .json, .html)`);
}
