import os from 'node:os';
import type { Instance, Options, Result } from 'autocannon';
import { usageError } from '../errors.js';
import type { RunContext } from './context.js';
import type { LabStatus } from './labs.js';

export interface LoadOptions {
  /** A published HTTP(S) endpoint of the lab, e.g. http://127.0.0.1:32769/ */
  url: string;
  host: string;
  ca?: string;
  path: string;
  connections: number;
  durationS: number;
  /** Requests per second over all connections; unlimited when absent. */
  rate?: number;
  onSecond?: (second: number, responses: number) => void;
}

export interface ContainerCpu {
  component: string;
  container: string;
  role: string;
  /** Cores used on average over the run. */
  cores: number;
  limitCores?: number;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: { byStatus: Record<string, number>; timeouts: number; connection: number };
  /** The load generator's own CPU, in cores (it runs on one). */
  generatorCores: number;
  containers: ContainerCpu[];
  hostCores: number;
  limit: string;
  /** Each second of the run: responses, and the median and slowest response time of that second. */
  perSecond: { second: number; responses: number; p50Ms?: number; maxMs?: number }[];
}

/**
 * HTTP load through the user's entry point, with autocannon; meanwhile the CPU each container of the
 * lab used (from the engine) and the generator's own, to say which limit the throughput ran into.
 */
export async function runLoad(ctx: RunContext, status: LabStatus, options: LoadOptions): Promise<LoadResult> {
  const containers = status.services.flatMap((s) => s.containers.filter((c) => c.state === 'running').map((c) => ({ c, s })));
  const before = await Promise.all(containers.map(({ c }) => ctx.runtime.cpu(c.id)));
  const cpuBefore = process.cpuUsage();
  const start = ctx.clock();
  let second = 0;
  let responses = 0;
  // The load goes to the lab's own entry point, whatever the path says.
  const target = new URL(options.path, options.url);
  if (target.origin !== new URL(options.url).origin) throw usageError(`the path '${options.path}' leads away from the lab's entry point ${options.url}`);
  const { default: autocannon } = await import('autocannon');
  const instance = autocannon({
    url: target.toString(),
    connections: options.connections,
    duration: options.durationS,
    overallRate: options.rate,
    headers: { host: options.host },
    timeout: 10,
    tlsOptions: options.ca ? { ca: options.ca, servername: options.host } : undefined,
  } as Options) as unknown as Instance & PromiseLike<Result>;
  let times: number[] = [];
  const perSecond: LoadResult['perSecond'] = [];
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    responses++;
    times.push(responseTime);
  });
  const ticker = setInterval(() => {
    options.onSecond?.(++second, responses);
    const sorted = times.sort((a, b) => a - b);
    perSecond.push({ second, responses, ...(sorted.length ? { p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)]), maxMs: Math.round(sorted[sorted.length - 1]) } : {}) });
    responses = 0;
    times = [];
  }, 1000);
  const result = await instance;
  clearInterval(ticker);
  const ms = ctx.clock() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const after = await Promise.all(containers.map(({ c }) => ctx.runtime.cpu(c.id).catch(() => undefined)));
  const used: ContainerCpu[] = containers.map(({ c, s }, i) => ({
    component: s.component,
    container: c.name,
    role: s.role,
    cores: after[i] ? (after[i]!.usageNs - before[i].usageNs) / 1e6 / ms : 0,
    limitCores: before[i].limitCores,
  }));
  const byStatus: Record<string, number> = {};
  for (const [code, n] of Object.entries(result.statusCodeStats ?? {})) if (!code.startsWith('2')) byStatus[code] = (n as { count: number }).count;
  const partial: Omit<LoadResult, 'limit'> = {
    perSecond,
    requests: result.requests.total,
    durationS: ms / 1000,
    requestsPerSecond: Math.round((result.requests.total / (ms / 1000)) * 10) / 10,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: { byStatus, timeouts: result.timeouts, connection: result.errors - result.timeouts },
    generatorCores: (cpu.user + cpu.system) / 1000 / ms,
    containers: used,
    hostCores: os.cpus().length,
  };
  return { ...partial, limit: whichLimit(partial) };
}

/** Which resource the throughput ran into: the first one used at (nearly) all it may use. */
export function whichLimit(r: Omit<LoadResult, 'limit' | 'perSecond'>): string {
  const apps = r.containers.filter((c) => c.role === 'app' && c.limitCores);
  const appUse = apps.reduce((sum, c) => sum + c.cores / c.limitCores!, 0) / Math.max(1, apps.length);
  // CFS throttling keeps a container a little under its limit: 85% on average counts as at it.
  if (apps.length && appUse >= 0.85)
    return `app CPU: the ${apps.length} app server(s) used ${Math.round(appUse * 100)}% of their limit of ${apps[0].limitCores} core(s) each; more replicas would raise the throughput`;
  const total = r.containers.reduce((sum, c) => sum + c.cores, 0) + r.generatorCores;
  if (total >= 0.9 * r.hostCores) return `host cores: the lab and the load generator used ${total.toFixed(2)} of ${r.hostCores} cores`;
  const busy = r.containers.filter((c) => c.cores >= 0.9 * (c.limitCores ?? 1));
  if (busy.length) return `${busy.map((c) => `${c.component} (${c.cores.toFixed(2)} of ${c.limitCores ?? 1} core)`).join(', ')}: saturated`;
  if (r.generatorCores >= 0.9) return `the load generator itself (${r.generatorCores.toFixed(2)} cores); its numbers are a floor, not the lab's ceiling`;
  return 'none of the CPUs: the connections wait on something else (try more --connections)';
}
