import { withLabLock } from '../project/lock.js';
import type { RunContext } from './context.js';
import type { Progress } from './events.js';

/** Runs a use case that changes a lab while holding its lock; says so when it has to wait for another process. */
export const lockLab = <T>(ctx: RunContext, lab: string, progress: Progress, fn: () => Promise<T>): Promise<T> =>
  withLabLock(ctx.home, lab, fn, {
    sleep: ctx.sleep,
    onWait: (holder) => progress({ kind: 'step', text: `waiting for process ${holder.pid} (infra-lab ${holder.command}), which is changing the lab ${lab}` }),
  });
