import type { RunContext } from '../../run/context.js';
import { downLab } from '../../run/labs.js';
import { progressPrinter } from '../progress.js';
import { seconds, type Output } from '../output.js';

export interface DownOptions {
  volumes?: boolean;
  json?: boolean;
}

/** `infra-lab down [lab]`: remove a lab's containers and networks; its database volume only with --volumes. */
export async function downCommand(name: string | undefined, options: DownOptions, ctx: RunContext, output: Output): Promise<void> {
  const start = ctx.clock();
  const { lab, ...r } = await downLab(ctx, name, { volumes: !!options.volumes }, progressPrinter(output, false));
  if (options.json) {
    output.out(JSON.stringify({ lab, ...r, ms: ctx.clock() - start }, null, 2));
    return;
  }
  output.out(`${lab} is down (${seconds(ctx.clock() - start)}).`);
  if (r.removedVolumes.length) output.out(`Deleted the volumes ${r.removedVolumes.join(', ')}: the database starts empty next time.`);
  if (r.keptVolumes.length) output.out(`Kept the volumes ${r.keptVolumes.join(', ')}: the data is there next time (infra-lab down ${lab} --volumes deletes it).`);
}
