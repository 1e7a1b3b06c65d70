import { done, ignoreAlready, type FaultModeSpec } from '../mode.js';

/** A graceful stop (SIGTERM, then SIGKILL after 10 s); like kill, the restart policy leaves it down. */
export const stop: FaultModeSpec = {
  effect: () => 'stopped gracefully; it stays down until you heal it',
  options: [],
  runsHelper: false,
  healsItself: false,
  downEvents: ['kill', 'die', 'stop'],
  async inject(ctx, target) {
    await ctx.runtime.stop(target.id);
    return done(target);
  },
  undo: (runtime, c) => runtime.start(c.id).catch(ignoreAlready),
};
