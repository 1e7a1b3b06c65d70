import { startProbe } from '../../run/probe.js';
import type { CheckRun } from './check.js';
import { TIMINGS } from './check.js';
import { waitUntil } from '../../run/wait.js';

/** The page answers through www.<domain>: the probe resolves it with the lab's DNS server and requests it for a few seconds. */
export const page: CheckRun<'page'> = async (session, settings) => {
  const { ctx, lab } = session;
  const seconds = settings.seconds ?? 3;
  const probe = await startProbe(ctx, lab, await session.status(), { intervalMs: TIMINGS.probeIntervalMs, timeoutMs: TIMINGS.probeTimeoutMs });
  try {
    await waitUntil(async () => (probe.samples.length ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, clock: ctx.clock, sleep: ctx.sleep });
    await ctx.sleep(seconds * 1000);
  } finally {
    await probe.stop();
  }
  const failed = probe.samples.filter((s) => !s.ok);
  const first = failed[0];
  return {
    pass: probe.samples.length > 0 && failed.length === 0,
    figure: `${probe.samples.length - failed.length} of ${probe.samples.length} requests to www.${lab.domain} answered${first ? ` (first failure: ${first.layer}${first.detail ? ` ${first.detail}` : ''})` : ''}`,
    target: `every request answered for ${seconds} s`,
  };
};
