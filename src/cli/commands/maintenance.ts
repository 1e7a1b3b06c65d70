import type { RunContext } from '../../run/context.js';
import type { Strategy } from '../../lab/model.js';
import { loadLab, measuredDeploy, measuredRestart, scaleLab } from '../../run/maintenance.js';
import { parseScale } from '../../run/scale.js';
import type { ExperimentReport } from '../../measure/report.js';
import { ExitCode, ExitError } from '../../errors.js';
import { progressPrinter } from '../progress.js';
import { presentReport } from '../report.js';
import { seconds, table, type Output } from '../output.js';
import { saveLoadReport } from '../../report/html-report.js';

/** The probe's pace (--interval, --timeout), in ms. */
interface ProbePace {
  interval: number;
  timeout: number;
}
const pace = (o: ProbePace) => ({ intervalMs: o.interval, timeoutMs: o.timeout });

/** Shows a measured maintenance action like an experiment; exit 1 when the lab file's expectation is not met. */
async function present(ctx: RunContext, report: ExperimentReport, json: boolean, output: Output): Promise<void> {
  await presentReport(ctx.home, report, json, output);
  if (report.verdict && !report.verdict.ok) throw new ExitError(`${report.lab}: ${report.scenario} did not go as the lab file expects`, ExitCode.failed);
}

/** `infra-lab restart <component>`: a maintenance restart, measured with the same probe as watch. */
export async function restartCommand(component: string, options: ProbePace & { lab?: string; json?: boolean; verbose?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  const report = await measuredRestart(ctx, { ...pace(options), lab: options.lab, component }, progressPrinter(output, !!options.verbose));
  await present(ctx, report, !!options.json, output);
}

/** `infra-lab deploy`: ship a new version of the app code base with a strategy, measured. */
export async function deployCommand(options: ProbePace & { lab?: string; strategy: Strategy; version?: string; force?: boolean; json?: boolean; verbose?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  const report = await measuredDeploy(ctx, { ...pace(options), lab: options.lab, strategy: options.strategy, version: options.version, force: options.force }, progressPrinter(output, !!options.verbose));
  await present(ctx, report, !!options.json, output);
}

/** `infra-lab scale component=N`: more or fewer replicas of a component the lab lets scale. */
export async function scaleCommand(arg: string, options: { lab?: string; json?: boolean; verbose?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  const { component, replicas } = parseScale(arg);
  const start = ctx.clock();
  const after = await scaleLab(ctx, { lab: options.lab, component, replicas }, progressPrinter(output, !!options.verbose));
  const svc = after.services.find((s) => s.component === component)!;
  if (options.json) {
    output.out(JSON.stringify({ lab: after.lab, component, replicas: svc.containers.length, ms: ctx.clock() - start }, null, 2));
    return;
  }
  output.out(`${component} runs ${svc.containers.length} ready replica(s) (${seconds(ctx.clock() - start)}): ${svc.containers.map((c) => c.name).join(', ')}`);
}

export interface LoadCommandOptions {
  lab?: string;
  connections: number;
  duration: number;
  rate?: number;
  path: string;
  json?: boolean;
}

/** `infra-lab load`: HTTP load through the user's entry point; throughput, latency, errors, and which limit was hit. */
export async function loadCommand(options: LoadCommandOptions, ctx: RunContext, output: Output): Promise<void> {
  const { lab, projectDir, startedAt, result: r } = await loadLab(ctx, {
    lab: options.lab,
    path: options.path,
    connections: options.connections,
    durationS: options.duration,
    rate: options.rate,
    onStart: (url, host) =>
      options.json ||
      output.progress(`… ${options.connections} connections for ${options.duration} s${options.rate ? ` at ${options.rate} req/s` : ''} to ${url.replace(/\/$/, '')}${options.path} (Host: ${host})`),
    onSecond: (second, n) => options.json || output.progress(`  ${String(second).padStart(3)} s  ${n} responses`),
  });
  const files = await saveLoadReport(projectDir, { lab: lab.name, path: options.path, connections: options.connections, startedAt, ...r }, lab);
  if (options.json) {
    output.out(JSON.stringify({ lab: lab.name, ...r, files }, null, 2));
    return;
  }
  const errors = [...Object.entries(r.errors.byStatus).map(([code, n]) => `${n} × HTTP ${code}`), ...(r.errors.timeouts ? [`${r.errors.timeouts} timeouts`] : []), ...(r.errors.connection ? [`${r.errors.connection} connection errors`] : [])];
  output.out(`${r.requests} requests in ${r.durationS.toFixed(1)} s: ${r.requestsPerSecond} requests/s`);
  output.out(`latency: p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`);
  output.out(`errors: ${errors.length ? errors.join(', ') : 'none'}`);
  output.out('');
  output.out('CPU during the run (cores):');
  const rows = r.containers.map((c) => [c.component, c.role, c.cores.toFixed(2), c.limitCores ? String(c.limitCores) : '-']);
  rows.push(['load generator', '-', r.generatorCores.toFixed(2), '1 (one thread)']);
  for (const line of table(['COMPONENT', 'ROLE', 'USED', 'LIMIT'], rows)) output.out(`  ${line}`);
  output.out(`the limit: ${r.limit}`);
  output.out(`\nreport: ${files.html} (and .json)`);
}
