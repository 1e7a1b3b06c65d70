import type { FaultMode } from '../../lab/model.js';
import type { RunContext } from '../../run/context.js';
import { breakComponent, heal } from '../../run/faults.js';
import { targetLab } from '../../run/labs.js';
import { usageError } from '../../errors.js';
import { baseComponent } from '../../faults/faults.js';
import { progressPrinter } from '../progress.js';
import { seconds, type Output } from '../output.js';

const EFFECT: Record<FaultMode, string> = {
  kill: 'killed (SIGKILL); it stays down until you heal it',
  stop: 'stopped gracefully; it stays down until you heal it',
  crash: 'crashed',
  pause: 'paused; connections to it hang instead of being refused',
  disconnect: 'disconnected from its networks',
};

/** `infra-lab break <component>`: kill, stop, crash, pause or disconnect a component of a running lab. */
export async function breakCommand(name: string, options: { mode: FaultMode; lab?: string; json?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const fault = await breakComponent(ctx, status, name, options.mode, progressPrinter(output, false));
  if (options.json) {
    output.out(JSON.stringify({ lab: status.lab, ...fault }, null, 2));
    return;
  }
  const restart = status.project.lab.components.find((c) => c.name === baseComponent(fault.component))?.restart;
  const afterCrash = fault.mode !== 'crash' ? '' : restart === 'no' ? '; its restart policy is "no", so it stays down until you heal it' : `; its restart policy (${restart}) brings it back`;
  output.out(`${fault.component} (${fault.containers.map((c) => c.name).join(', ')}) ${EFFECT[fault.mode]}${afterCrash}.`);
  output.out(`Watch what users see: infra-lab watch --lab ${status.lab}. Undo: infra-lab heal ${fault.component}`);
}

/** `infra-lab heal [component | --all]`: undo breaks and wait until healthy again. */
export async function healCommand(names: string[], options: { all?: boolean; lab?: string; json?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  if (!options.all && names.length === 0) throw usageError('say what to heal: infra-lab heal <component> or infra-lab heal --all');
  if (options.all && names.length) throw usageError('give components or --all, not both');
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const r = await heal(ctx, status, options.all ? 'all' : names, { progress: progressPrinter(output, false) });
  if (options.json) {
    output.out(JSON.stringify({ lab: status.lab, ...r }, null, 2));
    return;
  }
  if (r.healed.length === 0) output.out(`Nothing was broken in ${status.lab}.`);
  else output.out(`Healed ${r.healed.map((h) => `${h.component} (${h.mode})`).join(', ')}; ready again after ${seconds(r.ms)}.`);
}
