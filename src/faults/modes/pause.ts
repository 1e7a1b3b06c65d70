import { done, ignoreAlready, type FaultModeSpec } from '../mode.js';

/** Frozen by the cgroup freezer: connections hang instead of being refused. */
export const pause: FaultModeSpec = {
  effect: () => 'paused; connections to it hang instead of being refused',
  options: [],
  runsHelper: false,
  healsItself: false,
  downEvents: ['pause'],
  async inject(ctx, target) {
    await ctx.runtime.pause(target.id);
    return done(target);
  },
  undo: (runtime, c) => runtime.unpause(c.id).catch(ignoreAlready),
};
