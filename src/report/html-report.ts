import fs from 'node:fs';
import path from 'node:path';
import { describeAction, type Lab } from '../lab/model.js';
import type { Summary } from '../measure/downtime.js';
import type { ExperimentReport } from '../measure/report.js';
import type { LoadResult } from '../run/load.js';
import { topologyOf } from './topology.js';
import { baseComponent } from '../faults/faults.js';
import { diagramDot, dotToSvg, inlineSvg, type ComponentMark } from './diagram.js';
import { RESULT_COLOR, RESULT_TEXT, seriesChart, timelineChart, type ChartEvent } from './charts.js';
import { escapeHtml as esc } from './escape.js';

/**
 * Reports as one self-contained HTML page each: styles, the diagram and the charts are inline,
 * nothing is loaded from anywhere, so the file opens offline and can be mailed or projected.
 */

const ms = (x: number | undefined) => (x === undefined ? 'n/a' : x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(1)} s`);

const STYLE = `
body { font-family: Verdana, "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1240px; padding: 16px 20px 40px; color: #212121; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e0e0e0; padding-bottom: 4px; }
.sub { color: #616161; font-size: 13px; }
.verdict { display: inline-block; padding: 6px 12px; border-radius: 6px; font-weight: bold; margin: 10px 0; }
.verdict.ok { background: #e8f5e9; color: #1b5e20; border: 1px solid #a5d6a7; }
.verdict.bad { background: #ffebee; color: #b71c1c; border: 1px solid #ef9a9a; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; } th, td { border: 1px solid #e0e0e0; padding: 4px 10px; text-align: right; }
th { background: #fafafa; } td:first-child, th:first-child { text-align: left; }
.facts { font-size: 13px; line-height: 1.6; }
.legend { font-size: 12px; display: flex; flex-wrap: wrap; gap: 14px; margin: 4px 0 0 70px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px; background: var(--c); vertical-align: -1px; }
.diagram svg { max-width: 100%; height: auto; }
svg.chart text { font-family: Verdana, "DejaVu Sans", sans-serif; }
svg.chart .tick, svg.chart .event-label { font-size: 10px; fill: #546e7a; } svg.chart .event.strong .event-label { fill: #263238; font-weight: bold; }
svg.chart .lane { font-size: 12px; } svg.chart .outage-label { font-size: 11px; fill: #b71c1c; font-weight: bold; } svg.chart .mark-label { font-size: 11px; font-weight: bold; }
ol li { margin: 4px 0; font-size: 14px; }
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<!-- A report written by infra-lab: self-contained, it loads nothing. -->
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

const summaryRow = (name: string, s: Summary) =>
  `<tr><td>${name}</td><td>${s.sent}</td><td>${s.failed}</td><td>${s.availability}%</td><td>${ms(s.longestMs)}</td><td>${ms(s.totalMs)}</td><td>${s.outages.length}</td><td>${esc(Object.entries(s.byLayer).map(([l, n]) => `${l} ${n}`).join(', ') || 'none')}</td></tr>`;

/** What the scenario did to which component, drawn on the diagram. */
export function marksOf(report: Pick<ExperimentReport, 'action'>, lab: Lab): Record<string, ComponentMark> {
  const a = report.action;
  if (a.kind === 'break') return { [baseComponent(a.component)]: { state: 'broken', note: `BROKEN: ${a.mode}` } };
  if (a.kind === 'break-server')
    return Object.fromEntries(lab.components.filter((c) => c.server === a.server).map((c) => [c.name, { state: 'broken', note: `BROKEN: ${a.server} ${a.mode}` }]));
  if (a.kind === 'restart') return { [a.component]: { state: 'broken', note: 'RESTARTED' } };
  return {};
}

const questions = (lab: Lab) => (lab.questions.length ? `<h2>Questions to answer</h2><ol>${lab.questions.map((q) => `<li>${esc(q)}</li>`).join('')}</ol>` : '');

const resultLegend = () =>
  `<div class="legend">${Object.entries(RESULT_TEXT)
    .map(([k, text]) => `<span style="--c:${RESULT_COLOR[k as keyof typeof RESULT_COLOR]}">${text}</span>`)
    .join('')}<span style="--c:#ffcdd2">outage</span></div>`;

/** The page of an experiment, restart or deploy report; the diagram is SVG already laid out. */
export function experimentHtml(report: ExperimentReport, lab: Lab, diagramSvg: string): string {
  const samples = report.samples ?? [];
  const acted = 'component' in report.action ? baseComponent(report.action.component) : undefined;
  const events: ChartEvent[] = report.events
    .filter((e) => !e.action.startsWith('exec_'))
    .map((e) => ({ ms: e.ms, text: `${e.service} ${e.action.replace('health_status: ', '')}`, strong: e.service === acted }));
  const marks: ChartEvent[] = [{ ms: 0, text: describeAction(report.action) }, ...(report.healAt ? [{ ms: report.healAt - report.faultAt, text: 'heal' }] : [])];
  const timeline = timelineChart({ samples, zero: report.faultAt, from: report.startedAt, to: report.endedAt, outages: report.all.outages, events, marks });
  const latency = seriesChart(
    [
      { name: 'writes', color: '#1e88e5', points: samples.filter((s) => s.ok && s.kind === 'write').map((s) => ({ ms: s.t - report.faultAt, value: s.ms })) },
      { name: 'reads', color: '#43a047', points: samples.filter((s) => s.ok && s.kind === 'read').map((s) => ({ ms: s.t - report.faultAt, value: s.ms })) },
    ],
    { from: report.startedAt - report.faultAt, to: report.endedAt - report.faultAt, unit: 'ms', marks },
  );
  const v = report.verdict;
  const facts = [
    `time to detect: ${ms(report.timeToDetectMs)}; time to recover: ${ms(report.timeToRecoverMs)} (from the fault)`,
    ...(report.healAt ? [`healed ${ms(report.healAt - report.faultAt)} after the fault`] : []),
    ...(report.injectedBy ? [`the fault was injected with ${report.injectedBy}`] : []),
    ...(report.engineOutageMs !== undefined ? [`the engine's view of the component's outage: ${ms(report.engineOutageMs)}`] : []),
    ...(report.data ? [`data: last acknowledged visit ${report.data.lastAcknowledged}, first after recovery ${report.data.firstAfter ?? 'none'}: ${report.data.continued ? 'nothing lost' : 'LOST'}`] : []),
    ...(report.versions && report.versions.length > 1 ? [`versions answering: ${report.versions.map((x) => `${x.version} from ${ms(x.firstMs)}`).join(', then ')}`] : []),
    ...(report.throughput
      ? [`throughput: ${report.throughput.before.requestsPerSecond} requests/s with ${report.throughput.before.replicas} replica(s), ${report.throughput.after.requestsPerSecond} with ${report.throughput.after.replicas} (${report.throughput.ratio}x)`]
      : []),
  ];
  const body = `
<h1>${esc(report.lab)} / ${esc(report.scenario)}</h1>
<div class="sub">${esc(report.title)}. Started ${new Date(report.startedAt).toISOString()}, ${esc(report.flavor)} images, one request every ${report.intervalMs} ms.</div>
${report.expect ? `<p><b>Expected:</b> ${esc(report.expect.says)}</p>` : ''}
${v ? `<div class="verdict ${v.ok ? 'ok' : 'bad'}">${v.ok ? 'Verdict: as expected' : 'Verdict: NOT as expected'}</div>${v.ok ? '' : `<ul>${v.contradictions.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`}` : ''}
<h2>What users saw</h2>
<table><tr><th>requests</th><th>sent</th><th>failed</th><th>availability</th><th>longest outage</th><th>total downtime</th><th>outages</th><th>failures by layer</th></tr>
${summaryRow('all', report.all)}${summaryRow('writes', report.write)}${summaryRow('reads', report.read)}</table>
<div class="facts">${facts.map((f) => esc(f)).join('<br>')}</div>
<h2>Every request over time</h2>
${timeline}
${resultLegend()}
<h2>Latency of successful requests</h2>
<table><tr><th>phase</th><th>ms from the fault</th><th>succeeded</th><th>p50</th><th>p95</th><th>p99</th></tr>
${report.phases.map((p) => `<tr><td>${p.name}</td><td>${p.fromMs} to ${p.toMs}</td><td>${p.sent - p.failed} of ${p.sent}</td>${p.latencyMs ? `<td>${p.latencyMs.p50} ms</td><td>${p.latencyMs.p95} ms</td><td>${p.latencyMs.p99} ms</td>` : '<td>-</td><td>-</td><td>-</td>'}</tr>`).join('')}</table>
${latency}
<div class="legend"><span style="--c:#1e88e5">writes</span><span style="--c:#43a047">reads</span></div>
<h2>The lab${acted ? `, with ${esc(acted)} marked` : ''}</h2>
<div class="diagram">${inlineSvg(diagramSvg)}</div>
${questions(lab)}`;
  return page(`${report.lab} / ${report.scenario}`, body);
}


/** Writes the HTML page of a report beside its JSON (same name, .html); returns its path. */
export async function writeExperimentHtml(jsonPath: string, report: ExperimentReport, lab: Lab): Promise<string> {
  const svg = await dotToSvg(diagramDot(topologyOf(lab), { marks: marksOf(report, lab) }));
  const file = jsonPath.replace(/\.json$/, '.html');
  fs.writeFileSync(file, experimentHtml(report, lab, svg));
  return file;
}

/** A load run: requests/s and latency over time, beside the totals. */
export interface LoadReport extends LoadResult {
  lab: string;
  path: string;
  connections: number;
  startedAt: number;
}

export function loadHtml(report: LoadReport, lab: Lab, diagramSvg: string): string {
  const to = Math.max(1, report.perSecond.length) * 1000;
  const rps = seriesChart([{ name: 'requests/s', color: '#1e88e5', line: true, points: report.perSecond.map((p) => ({ ms: p.second * 1000, value: p.responses })) }], { from: 0, to, unit: '/s' });
  const latency = seriesChart(
    [
      { name: 'p50', color: '#43a047', line: true, points: report.perSecond.filter((p) => p.p50Ms !== undefined).map((p) => ({ ms: p.second * 1000, value: p.p50Ms! })) },
      { name: 'max', color: '#e53935', line: true, points: report.perSecond.filter((p) => p.maxMs !== undefined).map((p) => ({ ms: p.second * 1000, value: p.maxMs! })) },
    ],
    { from: 0, to, unit: 'ms' },
  );
  const errors = [...Object.entries(report.errors.byStatus).map(([c, n]) => `${n} × HTTP ${c}`), ...(report.errors.timeouts ? [`${report.errors.timeouts} timeouts`] : []), ...(report.errors.connection ? [`${report.errors.connection} connection errors`] : [])];
  const body = `
<h1>${esc(report.lab)} / load</h1>
<div class="sub">${report.connections} connections to ${esc(report.path)} for ${report.durationS.toFixed(1)} s, started ${new Date(report.startedAt).toISOString()}.</div>
<h2>Result</h2>
<table><tr><th>requests</th><th>requests/s</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>errors</th></tr>
<tr><td>${report.requests}</td><td>${report.requestsPerSecond}</td><td>${report.latencyMs.p50} ms</td><td>${report.latencyMs.p90} ms</td><td>${report.latencyMs.p99} ms</td><td>${report.latencyMs.max} ms</td><td>${esc(errors.join(', ') || 'none')}</td></tr></table>
<p class="facts"><b>The limit:</b> ${esc(report.limit)}</p>
<h2>Requests per second</h2>${rps}
<h2>Latency</h2>${latency}
<div class="legend"><span style="--c:#43a047">median</span><span style="--c:#e53935">slowest</span></div>
<h2>CPU during the run</h2>
<table><tr><th>component</th><th>role</th><th>cores used</th><th>limit</th></tr>
${report.containers.map((c) => `<tr><td>${esc(c.container)}</td><td>${esc(c.role)}</td><td>${c.cores.toFixed(2)}</td><td>${c.limitCores ?? '-'}</td></tr>`).join('')}
<tr><td>load generator</td><td>-</td><td>${report.generatorCores.toFixed(2)}</td><td>1</td></tr></table>
<h2>The lab</h2>
<div class="diagram">${inlineSvg(diagramSvg)}</div>
${questions(lab)}`;
  return page(`${report.lab} / load`, body);
}

/** Writes a load run's report as JSON and HTML into the lab's reports folder; returns both paths. */
export async function saveLoadReport(projectDir: string, report: LoadReport, lab: Lab): Promise<{ json: string; html: string }> {
  const dir = path.join(projectDir, 'reports');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date(report.startedAt).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = path.join(dir, `load-${stamp}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const svg = await dotToSvg(diagramDot(topologyOf(lab)));
  fs.writeFileSync(`${base}.html`, loadHtml(report, lab, svg));
  return { json: `${base}.json`, html: `${base}.html` };
}
