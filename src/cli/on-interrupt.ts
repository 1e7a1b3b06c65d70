/** The signals that ask a command to stop: Ctrl-C, a kill or a service manager, a closed terminal. */
export const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type Interrupt = (typeof INTERRUPTS)[number];

/**
 * Calls `handler` on each interrupt until the returned function is called. While it is registered,
 * Node's default action (exit at once) does not happen, so the command can clean up first; the
 * listener stays for repeated signals because a one-time listener would leave the next signal to
 * execa's exit hook, which re-sends it and kills the process in the middle of the clean-up.
 */
export function onInterrupt(handler: (signal: Interrupt, count: number) => void): () => void {
  let count = 0;
  const listener = (signal: Interrupt) => handler(signal, ++count);
  for (const s of INTERRUPTS) process.on(s, listener);
  return () => {
    for (const s of INTERRUPTS) process.removeListener(s, listener);
  };
}

/** How a person names the signal: Ctrl-C for SIGINT. */
export const signalName = (signal: Interrupt) => (signal === 'SIGINT' ? 'Ctrl-C' : signal);
