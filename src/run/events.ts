/**
 * Progress of long operations, as events: run/ emits them, cli/ decides how to show them,
 * and library users get no console noise.
 */
export type Progress = (event: ProgressEvent) => void;

export type ProgressEvent =
  | { kind: 'step'; text: string }
  | { kind: 'detail'; text: string }
  | { kind: 'done'; text: string; ms: number };

export const silent: Progress = () => undefined;

/** Time a step and report it as done. */
export async function timed<T>(progress: Progress, text: string, fn: () => Promise<T>, clock: () => number = Date.now): Promise<T> {
  const start = clock();
  progress({ kind: 'step', text });
  const result = await fn();
  progress({ kind: 'done', text, ms: clock() - start });
  return result;
}
