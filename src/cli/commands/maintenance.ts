import type { RunContext } from '../../run/context.js';
import { buildReport, measure, restartComponent, type ReportInput } from '../../run/experiment.js';
import { resolveLabOf, targetLab, type LabStatus } from '../../run/labs.js';
import { currentVersions, deploy, nextVersion, refusal, type Strategy } from '../../run/deploy.js';
import { parseScale, scale } from '../../run/scale.js';
import { runLoad } from '../../run/load.js';
import type { Flavor } from '../../render/flavors.js';
import { ExitCode, ExitError, usageError } from '../../errors.js';
import { progressPrinter } from '../progress.js';
import { presentReport } from '../report.js';
import { seconds, table, type Output } from '../output.js';
import { readLabCa } from '../../render/generate.js';
import { saveLoadReport } from '../../report/html-report.js';

/**
 * Runs a maintenance action while the probe watches, and reports it like an experiment. When the lab
 * file has a scenario for the same action, its expectation judges the result.
 */
async function measured(
  ctx: RunContext,
  status: LabStatus,
  scenario: ReportInput['scenario'],
  act: () => Promise<void>,
  options: { json?: boolean; verbose?: boolean },
  output: Output,
): Promise<void> {
  const lab = resolveLabOf(status);
  const progress = progressPrinter(output, !!options.verbose);
  const m = await measure(ctx, lab, status, { baselineMs: 2000, intervalMs: 50, timeoutMs: 2000, recoveryTimeoutMs: 120_000 }, progress, async () => {
    await act();
    return undefined;
  });
  const report = buildReport({ lab, scenario, options: { flavor: status.flavor as Flavor, intervalMs: 50 }, ...m });
  await presentReport(ctx.home, report, !!options.json, output);
  if (report.verdict && !report.verdict.ok) throw new ExitError(`${lab.name}: ${scenario.name} did not go as the lab file expects`, ExitCode.failed);
}

/** `infra-lab restart <component>`: a maintenance restart, measured with the same probe as watch. */
export async function restartCommand(component: string, options: { lab?: string; json?: boolean; verbose?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const lab = resolveLabOf(status);
  const scenario = lab.scenarios.find((s) => s.action.kind === 'restart' && s.action.component === component) ?? {
    name: `restart-${component}`,
    title: `Maintenance restart of ${component}`,
    action: { kind: 'restart' as const, component },
  };
  await measured(ctx, status, scenario, () => restartComponent(ctx, status, component, 120_000), options, output);
}

/** `infra-lab deploy`: ship a new version of the app code base with a strategy, measured. */
export async function deployCommand(options: { lab?: string; strategy: Strategy; version?: string; json?: boolean; verbose?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const lab = resolveLabOf(status);
  const why = refusal(lab, options.strategy);
  if (why) throw usageError(why);
  const version = options.version ?? nextVersion(currentVersions(lab, status.projectDir));
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(version)) throw usageError(`a version is up to 32 letters, digits, '.', '_' or '-' (got '${version}')`);
  const scenario = lab.scenarios.find((s) => s.action.kind === 'deploy' && s.action.strategy === options.strategy) ?? {
    name: `deploy-${options.strategy}`,
    title: `Deploying version ${version}, ${options.strategy}`,
    action: { kind: 'deploy' as const, strategy: options.strategy },
  };
  await measured(ctx, status, scenario, () => deploy(ctx, lab, status, options.strategy, version, progressPrinter(output, !!options.verbose)), options, output);
}

/** `infra-lab scale component=N`: more or fewer replicas of a component the lab lets scale. */
export async function scaleCommand(arg: string, options: { lab?: string; json?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  const { component, replicas } = parseScale(arg);
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const start = ctx.clock();
  output.progress(`… scaling ${component} in ${status.lab} to ${replicas}`);
  const after = await scale(ctx, resolveLabOf(status), status, component, replicas);
  const svc = after.services.find((s) => s.component === component)!;
  if (options.json) {
    output.out(JSON.stringify({ lab: status.lab, component, replicas: svc.containers.length, ms: ctx.clock() - start }, null, 2));
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
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const lab = resolveLabOf(status);
  const url = status.endpoints.https ?? status.endpoints.http;
  if (!url) throw usageError(`${lab.name} publishes no HTTP entry point`);
  if (!options.json)
    output.progress(`… ${options.connections} connections for ${options.duration} s${options.rate ? ` at ${options.rate} req/s` : ''} to ${url.replace(/\/$/, '')}${options.path} (Host: www.${lab.domain})`);
  const startedAt = ctx.clock();
  const r = await runLoad(ctx, status, {
    url,
    host: `www.${lab.domain}`,
    ca: url.startsWith('https') ? readLabCa(status.projectDir, lab.domain) : undefined,
    path: options.path,
    connections: options.connections,
    durationS: options.duration,
    rate: options.rate,
    onSecond: (second, n) => options.json || output.progress(`  ${String(second).padStart(3)} s  ${n} responses`),
  });
  const files = await saveLoadReport(status.projectDir, { lab: lab.name, path: options.path, connections: options.connections, startedAt, ...r }, lab);
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
