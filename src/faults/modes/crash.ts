import { failure } from '../../errors.js';
import { done, type FaultModeSpec } from '../mode.js';

/**
 * The service's process is killed from inside; PID 1 (docker-init) then exits as after a real crash,
 * and the restart policy brings the container back (PID 1 itself ignores signals sent from inside its
 * container, so killing it directly does nothing). Heal starts it where the policy is "no".
 */
export const crash: FaultModeSpec = {
  effect: () => 'crashed',
  options: [],
  runsHelper: false,
  healsItself: true,
  downEvents: ['die'],
  async inject(ctx, target) {
    const r = await ctx.runtime
      .exec(target.id, ['sh', '-c', 'kill -KILL $(cat /proc/1/task/1/children)'])
      .catch((err: Error) => ({ exitCode: -1, output: err.message }));
    if (r.exitCode !== 0)
      throw failure(`could not crash ${target.name}: ${r.output.trim() || `exit ${r.exitCode}`} (crash needs a shell in the container and docker-init as PID 1; use --mode kill)`);
    return done(target);
  },
  undo: async () => undefined,
};
