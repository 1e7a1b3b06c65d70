import type { RunContext } from '../../run/context.js';
import { targetLab } from '../../run/labs.js';
import { startProbe } from '../../run/probe.js';
import { latency, summarize } from '../../measure/downtime.js';
import { LAYER_MARK, type Sample } from '../../measure/sample.js';
import type { Output } from '../output.js';
import { onInterrupt } from '../on-interrupt.js';
import { projectContainers } from '../../run/state.js';
import { failure } from '../../errors.js';
import { waitUntil } from '../../run/wait.js';
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
    if (probe.removedStale) output.progress(`  removed ${probe.removedStale} leftover probe(s) of earlier commands that were no longer running`);
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
      const counts = failed ? `${failed}/${samples.length} failed` : `${samples.length} ok`;
      const l = latency(samples);
      const slow = l ? `  p50 ${l.p50} / p95 ${l.p95} / p99 ${l.p99} ms` : '';
      output.out(`${new Date(second * 1000).toLocaleTimeString('en-GB')}  ${marks.padEnd(Math.ceil(1000 / options.interval))}  ${counts.padEnd(14)}${slow}`.trimEnd());
    }
  }, 250);
  const ended = await untilEnd(ctx, status.projectName, probe.ended, options.duration);
  clearInterval(printer);
  const samples = await probe.stop().catch((err: unknown) => {
    // The lab went away under the probe: what it sent so far is still worth a summary.
    if (ended === 'lab gone') return probe.samples;
    throw err;
  });
  if (!options.json) {
    output.out('');
    for (const line of formatSummary(summarize(samples, ctx.clock()), ctx.clock() - started)) output.out(line);
  }
  if (ended === 'lab gone') throw failure(`the lab ${lab.name} was taken down while watch ran (none of its containers runs); nothing left to watch`);
  if (ended === 'probe gone') throw failure(`the probe stopped by itself (removed by something else?); start watch again (infra-lab status ${lab.name})`);
}

/**
 * Until the user stops the watch (Ctrl-C, SIGTERM, SIGHUP), its duration is over, or there is
 * nothing left to watch: the probe container went away (infra-lab down removes it first, then
 * stops the lab) or the lab's containers did (compose down by hand leaves the probe running).
 */
async function untilEnd(ctx: RunContext, projectName: string, probeEnded: Promise<void>, durationS?: number): Promise<'stopped' | 'lab gone' | 'probe gone'> {
  const running = async () => (await projectContainers(ctx.runtime, projectName)).filter((c) => c.state === 'running').length;
  let stopListening = () => {};
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve) => {
      stopListening = onInterrupt(() => resolve('stopped'));
      if (durationS) timer = setTimeout(() => resolve('stopped'), durationS * 1000);
      // down removes the probe before it stops the lab's containers: give it time to get there.
      void probeEnded.then(async () => {
        const gone = await waitUntil(async () => ((await running().catch(() => 1)) === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500, clock: ctx.clock, sleep: ctx.sleep });
        resolve(gone ? 'lab gone' : 'probe gone');
      });
      poll = setInterval(() => void running().then((n) => n === 0 && resolve('lab gone'), () => undefined), 2000);
    });
  } finally {
    stopListening();
    clearTimeout(timer);
    clearInterval(poll);
  }
}
