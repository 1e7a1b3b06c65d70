import { steadyBaseline, STEADY_TIMEOUT_MS } from '../../run/experiment.js';
import { startProbe } from '../../run/probe.js';
import { waitUntil } from '../../run/wait.js';
import type { CheckRun } from './check.js';
import { PROBE_PACE } from './check.js';

/**
 * The page answers through www.<domain>: the probe resolves the name with the lab's DNS server and
 * requests the page, until every request of a few seconds in a row has been answered (a lab that
 * has just started may need a moment), for at most half a minute.
 */
export const page: CheckRun<'page'> = async (session, settings) => {
  const { ctx, lab } = session;
  const seconds = settings.seconds ?? 3;
  const target = `every request answered for ${seconds} s in a row, within ${STEADY_TIMEOUT_MS / 1000} s`;
  const probe = await startProbe(ctx, lab, await session.status(), PROBE_PACE);
  try {
    await waitUntil(async () => (probe.samples.length ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, clock: ctx.clock, sleep: ctx.sleep });
    const from = await steadyBaseline(ctx, probe.samples, seconds * 1000);
    const n = probe.samples.filter((s) => s.t >= from).length;
    return { pass: true, figure: `${n} of ${n} requests to www.${lab.domain} answered`, target };
  } catch (err) {
    const failed = probe.samples.filter((s) => !s.ok);
    const first = failed[0];
    return {
      pass: false,
      figure: `${probe.samples.length - failed.length} of ${probe.samples.length} requests to www.${lab.domain} answered${first ? ` (first failure: ${first.layer}${first.detail ? ` ${first.detail}` : ''})` : ` (${(err as Error).message})`}`,
      target,
    };
  } finally {
    await probe.stop();
  }
};
