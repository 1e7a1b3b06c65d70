import type { RunContext } from '../../run/context.js';
import { down, targetLab } from '../../run/labs.js';
import { seconds, type Output } from '../output.js';

export interface DownOptions {
  volumes?: boolean;
  json?: boolean;
}

/** `infra-lab down [lab]`: remove a lab's containers and networks; its database volume only with --volumes. */
export async function downCommand(name: string | undefined, options: DownOptions, ctx: RunContext, output: Output): Promise<void> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, name);
  const start = ctx.clock();
  output.progress(`… removing ${status.lab}`);
  const r = await down(ctx, status, { volumes: !!options.volumes });
  if (options.json) {
    output.out(JSON.stringify({ lab: status.lab, ...r, ms: ctx.clock() - start }, null, 2));
    return;
  }
  output.out(`${status.lab} is down (${seconds(ctx.clock() - start)}).`);
  if (r.removedVolumes.length) output.out(`Deleted the volumes ${r.removedVolumes.join(', ')}: the database starts empty next time.`);
  if (r.keptVolumes.length) output.out(`Kept the volumes ${r.keptVolumes.join(', ')}: the data is there next time (infra-lab down ${status.lab} --volumes deletes it).`);
}
