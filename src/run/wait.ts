/** Polls `check` until it returns a value, the time is up, or the signal aborts. Clock and sleep are injectable. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs: number; clock: () => number; sleep: (ms: number) => Promise<void>; signal?: AbortSignal },
): Promise<T | undefined> {
  const deadline = options.clock() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await check();
    if (value !== undefined) return value;
    if (options.clock() >= deadline) return undefined;
    await options.sleep(options.intervalMs);
  }
}
