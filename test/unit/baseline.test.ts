import { steadyBaseline, STEADY_TIMEOUT_MS } from '../../src/run/experiment.js';
import type { Sample } from '../../src/measure/sample.js';

/** A probe that answers every 50 ms of a fake clock; `fails(t)` says which requests fail. */
function fakeProbe(fails: (t: number) => boolean) {
  let now = 0;
  const samples: Sample[] = [];
  let seq = 0;
  const ctx = {
    clock: () => now,
    sleep: async (ms: number) => {
      const until = now + Math.max(ms, 1);
      for (let t = Math.ceil(now / 50) * 50; t < until; t += 50) {
        if (t < now) continue;
        samples.push({ seq: seq++, kind: seq % 2 ? 'write' : 'read', t, ms: 5, ok: !fails(t), ...(fails(t) ? { layer: 'timeout' as const } : {}) });
      }
      now = until;
    },
  };
  return { ctx, samples };
}

test('a lab that serves every request gets its baseline at once', async () => {
  const { ctx, samples } = fakeProbe(() => false);
  expect(await steadyBaseline(ctx, samples, 3000)).toBe(0);
});

test('a lab still settling gets a new window after its last failure, and the measurement starts there', async () => {
  const { ctx, samples } = fakeProbe((t) => t < 4000);
  const start = await steadyBaseline(ctx, samples, 3000);
  expect(start).toBe(3955);
  expect(samples.filter((s) => s.t >= start).every((s) => s.ok)).toBe(true);
});

test('a lab that keeps failing is not steady: exit 1 naming the failures, before anything is broken', async () => {
  const { ctx, samples } = fakeProbe((t) => t % 1000 === 0);
  await expect(steadyBaseline(ctx, samples, 3000)).rejects.toMatchObject({ code: 1, message: expect.stringMatching(/^the lab is not steady: \d+ of \d+ requests failed in 30 s/) });
  expect(ctx.clock()).toBeGreaterThanOrEqual(STEADY_TIMEOUT_MS);
});

test('a request still in flight at the end of the window is waited for, and counts when it fails', async () => {
  const { ctx, samples } = fakeProbe(() => false);
  // The request sent at 500 ms hangs; it fails with a timeout at 4500 ms, after the first window ended.
  const sleep = ctx.sleep;
  ctx.sleep = async (ms) => {
    await sleep(ms);
    const hung = samples.findIndex((s) => s.t === 500 && s.ok);
    if (hung >= 0) samples.splice(hung, 1);
    if (ctx.clock() >= 4500 && !samples.some((s) => s.t === 500)) samples.push({ seq: 10, kind: 'write', t: 500, ms: 4000, ok: false, layer: 'timeout' });
  };
  expect(await steadyBaseline(ctx, samples, 3000)).toBe(4500);
});
