import type { RunContext } from '../../run/context.js';
import { targetLab } from '../../run/labs.js';
import { startProbe } from '../../run/probe.js';
import { summarize } from '../../measure/downtime.js';
import { LAYER_MARK, type Sample } from '../../measure/sample.js';
import type { Output } from '../output.js';
import { formatSummary } from '../report.js';

export interface WatchOptions {
  lab?: string;
  interval: number;
  timeout: number;
  /** Stop after this many seconds (default: until Ctrl-C). */
  duration?: number;
  json?: boolean;
}

/**
 * `infra-lab watch`: the user's path, probed every interval, as a live timeline, one line a second:
 * '.' a request that succeeded, D dns, C connect, T timeout, H http error from nginx or the LB, B database.
 */
export async function watchCommand(options: WatchOptions, ctx: RunContext, output: Output): Promise<void> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const lab = status.project.lab;
  const buckets = new Map<number, Sample[]>();
  const probe = await startProbe(ctx, lab, status, {
    intervalMs: options.interval,
    timeoutMs: options.timeout,
    onSample: (s) => {
      if (options.json) output.out(JSON.stringify(s));
      const second = Math.floor(s.t / 1000);
      buckets.set(second, [...(buckets.get(second) ?? []), s]);
    },
  });
  if (!options.json) {
    output.progress(`Watching www.${lab.domain} in ${lab.name} every ${options.interval} ms, from inside the lab's network. Ctrl-C ends with a summary.`);
    output.progress("  '.' ok   D dns   C connect   T timeout   H http 5xx from nginx/LB   B database");
  }
  const started = ctx.clock();
  // A second is shown once every request started in it has had time to answer.
  const printer = setInterval(() => {
    const horizon = Math.floor((ctx.clock() - options.timeout - 200) / 1000);
    for (const second of [...buckets.keys()].sort((a, b) => a - b)) {
      if (second > horizon) break;
      const samples = (buckets.get(second) ?? []).sort((a, b) => a.t - b.t);
      buckets.delete(second);
      if (options.json) continue;
      const marks = samples.map((s) => (s.ok ? '.' : LAYER_MARK[s.layer ?? 'http'])).join('');
      const failed = samples.filter((s) => !s.ok).length;
      output.out(`${new Date(second * 1000).toLocaleTimeString('en-GB')}  ${marks.padEnd(Math.ceil(1000 / options.interval))}  ${failed ? `${failed}/${samples.length} failed` : `${samples.length} ok`}`);
    }
  }, 250);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    if (options.duration) setTimeout(resolve, options.duration * 1000);
  });
  clearInterval(printer);
  const samples = await probe.stop();
  if (options.json) return;
  output.out('');
  for (const line of formatSummary(summarize(samples, ctx.clock()), ctx.clock() - started)) output.out(line);
}
