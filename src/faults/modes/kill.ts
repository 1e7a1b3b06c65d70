import { done, ignoreAlready, type FaultModeSpec } from '../mode.js';

/** SIGKILL through the Engine API: Docker counts it as a manual stop, so the restart policy leaves it down. */
export const kill: FaultModeSpec = {
  effect: () => 'killed (SIGKILL); it stays down until you heal it',
  options: [],
  runsHelper: false,
  healsItself: false,
  downEvents: ['kill', 'die'],
  async inject(ctx, target) {
    await ctx.runtime.kill(target.id, 'SIGKILL');
    return done(target);
  },
  undo: (runtime, c) => runtime.start(c.id).catch(ignoreAlready),
};
