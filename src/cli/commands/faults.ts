import { SERVER_FAULT_MODES, type FaultMode, type FaultOptions, type ServerFaultMode } from '../../lab/model.js';
import type { RunContext } from '../../run/context.js';
import { breakComponent, breakServer, componentsOnServer, heal } from '../../run/faults.js';
import { targetLab } from '../../run/labs.js';
import { usageError } from '../../errors.js';
import { baseComponent, methodsOf, type Fault } from '../../faults/faults.js';
import { FAULT_MODE_SPECS } from '../../faults/modes/index.js';
import { progressPrinter } from '../progress.js';
import { seconds, type Output } from '../output.js';

interface BreakOptions {
  mode: FaultMode;
  server?: string;
  delay?: number;
  jitter?: number;
  percent?: number;
  rate?: number;
  to?: string;
  lab?: string;
  json?: boolean;
}

/** `infra-lab break <component> | --server <server>`: break a part of a running lab in one of the fault modes. */
export async function breakCommand(name: string | undefined, options: BreakOptions, ctx: RunContext, output: Output): Promise<void> {
  if (!name === !options.server) throw usageError('say what to break: infra-lab break <component>, or infra-lab break --server <server>');
  const settings: FaultOptions = { delayMs: options.delay, jitterMs: options.jitter, percent: options.percent, rateKbit: options.rate, peer: options.to };
  if (options.server && !(SERVER_FAULT_MODES as readonly string[]).includes(options.mode))
    throw usageError(`a server can be broken with --mode ${SERVER_FAULT_MODES.join(', ')}; break one of its components for ${options.mode}`);
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const progress = progressPrinter(output, false);
  const faults = options.server
    ? await breakServer(ctx, status, options.server, options.mode as ServerFaultMode, progress)
    : [await breakComponent(ctx, status, name!, options.mode, settings, progress)];
  if (options.json) {
    output.out(JSON.stringify({ lab: status.lab, ...(options.server ? { server: options.server, faults } : faults[0]) }, null, 2));
    return;
  }
  for (const f of faults) output.out(`${f.component} (${f.containers.map((c) => c.name).join(', ')}) ${effect(f, status.project.lab.components.find((c) => c.name === baseComponent(f.component))?.restart)}.`);
  const undo = options.server ? `--server ${options.server}` : faults[0].component;
  output.out(`Watch what users see: infra-lab watch --lab ${status.lab}. Undo: infra-lab heal ${undo}`);
}

function effect(f: Fault, restart: string | undefined): string {
  const spec = FAULT_MODE_SPECS[f.mode];
  const methods = methodsOf([f]);
  const afterCrash = !spec.healsItself ? '' : restart === 'no' ? '; its restart policy is "no", so it stays down until you heal it' : `; its restart policy (${restart}) brings it back`;
  return `${spec.effect(f.options ?? {})}${methods.length ? ` (${methods.join(', ')})` : ''}${afterCrash}`;
}

/** `infra-lab heal [component... | --server S | --all]`: undo breaks and wait until healthy again. */
export async function healCommand(names: string[], options: { all?: boolean; server?: string; lab?: string; json?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  const ways = [names.length > 0, !!options.all, !!options.server].filter(Boolean).length;
  if (ways === 0) throw usageError('say what to heal: infra-lab heal <component>, --server <server> or --all');
  if (ways > 1) throw usageError('give components, --server or --all, only one of them');
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const which = options.all ? 'all' : options.server ? componentsOnServer(status.project.lab, options.server) : names;
  const r = await heal(ctx, status, which, { progress: progressPrinter(output, false) });
  if (options.json) {
    output.out(JSON.stringify({ lab: status.lab, ...r }, null, 2));
    return;
  }
  if (r.healed.length === 0) output.out(`Nothing was broken in ${status.lab}.`);
  else output.out(`Healed ${r.healed.map((h) => `${h.component} (${h.mode})`).join(', ')}; ready again after ${seconds(r.ms)}.`);
}
