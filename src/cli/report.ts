import type { Summary } from '../probes/downtime.js';
import { LAYER_MARK } from '../probes/sample.js';
import path from 'node:path';
import { saveReport, type ExperimentReport } from '../run/experiment.js';
import { projectDirOf } from '../run/context.js';
import { labOf } from '../run/labs.js';
import { writeExperimentHtml } from '../report/html-report.js';
import { seconds, type Output } from './output.js';

const ms = (x: number | undefined) => (x === undefined ? 'n/a' : x < 1000 ? `${Math.round(x)} ms` : seconds(x));
const layers = (s: Summary) =>
  Object.entries(s.byLayer)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ') || 'none';

export function formatSummary(s: Summary, durationMs: number): string[] {
  return [
    `${s.sent} requests in ${seconds(durationMs)}: ${s.failed} failed, availability ${s.availability}%`,
    `downtime: longest ${ms(s.longestMs)}, total ${ms(s.totalMs)} in ${s.outages.length} outage(s)`,
    `failures by layer: ${layers(s)}`,
  ];
}

/** The summary printed at the end of an experiment. */
export function formatReport(r: ExperimentReport): string[] {
  // Writes and reads can fail apart (a dead primary): their outages are told separately.
  const path = (name: string, s: Summary) =>
    `  ${name}: ${s.failed} of ${s.sent} failed; downtime: longest ${ms(s.longestMs)}, total ${ms(s.totalMs)} in ${s.outages.length} outage(s)`;
  const lines = [
    `${r.lab} / ${r.scenario}: ${r.title}`,
    ...(r.expect ? [`expected: ${r.expect.says}`] : []),
    '',
    `  ${r.all.sent} requests in ${seconds(r.endedAt - r.startedAt)}: ${r.all.failed} failed, availability ${r.all.availability}%; failures by layer: ${layers(r.all)}`,
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
  if (r.data) lines.push(`  data: last acknowledged visit ${r.data.lastAcknowledged}, first after recovery ${r.data.firstAfter ?? 'none'}: ${r.data.continued ? 'nothing lost' : 'LOST'}`);
  lines.push('', '  timeline (one row per second; . ok, D dns, C connect, T timeout, H http, B database):');
  for (const b of r.timeline) {
    const fails = Object.entries(b.layers)
      .map(([l, n]) => `${LAYER_MARK[l as keyof typeof LAYER_MARK]}${n}`)
      .join(' ');
    const t = b.second * 1000 + r.startedAt - r.faultAt;
    lines.push(`  ${(t >= 0 ? '+' : '') + (t / 1000).toFixed(0).padStart(3)} s  ${'.'.repeat(Math.min(40, Math.round(((b.sent - b.failed) / Math.max(1, b.sent)) * 20))).padEnd(20)}  ${b.sent - b.failed}/${b.sent} ok${fails ? `  ${fails}` : ''}`);
  }
  const shown = r.events.filter((e) => !e.action.startsWith('exec_'));
  if (shown.length) {
    lines.push('', '  engine events (ms from the fault):');
    for (const e of shown) lines.push(`  ${String(e.ms).padStart(7)}  ${e.service.padEnd(12)} ${e.action}`);
  }
  if (r.verdict) lines.push('', r.verdict.ok ? 'verdict: as expected' : `verdict: NOT as expected\n${r.verdict.contradictions.map((c) => `  - ${c}`).join('\n')}`);
  return lines;
}

/** Which code versions answered, and from when (for deploys). */
function versionsSeen(r: ExperimentReport): string | undefined {
  if (!r.versions || r.versions.length < 2) return undefined;
  return r.versions.map((v) => `${v.version} from ${ms(v.firstMs)}`).join(', then ');
}

export function reportMarkdown(r: ExperimentReport): string {
  const row = (name: string, s: Summary) => `| ${name} | ${s.sent} | ${s.failed} | ${s.availability}% | ${ms(s.longestMs)} | ${ms(s.totalMs)} | ${layers(s)} |`;
  return `<!-- Experiment report written by infra-lab. -->
# ${r.lab} / ${r.scenario}

${r.title}. Started ${new Date(r.startedAt).toISOString()}, ${r.flavor} images, one request every ${r.intervalMs} ms.

${r.expect ? `**Expected:** ${r.expect.says}\n\n` : ''}${r.verdict ? `**Verdict:** ${r.verdict.ok ? 'as expected' : `not as expected: ${r.verdict.contradictions.join('; ')}`}\n` : ''}
| requests | sent | failed | availability | longest outage | total downtime | failures by layer |
|---|---|---|---|---|---|---|
${row('all', r.all)}
${row('writes', r.write)}
${row('reads', r.read)}

- time to detect: ${ms(r.timeToDetectMs)}; time to recover: ${ms(r.timeToRecoverMs)} (from the fault)
${r.healAt ? `- healed ${ms(r.healAt - r.faultAt)} after the fault\n` : ''}${r.engineOutageMs !== undefined ? `- the engine's view of the component's outage: ${ms(r.engineOutageMs)}\n` : ''}${r.throughput ? `- throughput: ${r.throughput.before.requestsPerSecond} requests/s with ${r.throughput.before.replicas} replica(s), ${r.throughput.after.requestsPerSecond} with ${r.throughput.after.replicas} (${r.throughput.ratio}x)\n` : ''}${versionsSeen(r) ? `- versions answering: ${versionsSeen(r)}\n` : ''}${r.data ? `- data: last acknowledged ${r.data.lastAcknowledged}, first after ${r.data.firstAfter ?? 'none'} (${r.data.continued ? 'nothing lost' : 'lost'})\n` : ''}
## Timeline

| second (from the fault) | sent | failed | layers |
|---|---|---|---|
${r.timeline.map((b) => `| ${Math.round((b.second * 1000 + r.startedAt - r.faultAt) / 1000)} | ${b.sent} | ${b.failed} | ${Object.entries(b.layers).map(([l, n]) => `${l} ${n}`).join(', ')} |`).join('\n')}

## Engine events

| ms from the fault | component | event |
|---|---|---|
${r.events.filter((e) => !e.action.startsWith('exec_')).map((e) => `| ${e.ms} | ${e.service} | ${e.action} |`).join('\n')}
`;
}

/** Saves a report in the lab's folder (JSON, Markdown and HTML) and prints it, or prints it as JSON. */
export async function presentReport(home: string, report: ExperimentReport, json: boolean, output: Output): Promise<void> {
  const files = saveReport(projectDirOf(home, report.lab), report, reportMarkdown(report));
  const html = await writeExperimentHtml(files.json, report, labOf(projectDirOf(home, report.lab)));
  if (json) {
    output.out(JSON.stringify({ ...report, files: { ...files, html } }, null, 2));
    return;
  }
  for (const line of formatReport(report)) output.out(line);
  const shown = path.relative(process.cwd(), files.markdown);
  output.out(`\nreport: ${shown.startsWith('..') ? files.markdown : shown} (and .json, .html)`);
}
