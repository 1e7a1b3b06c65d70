import type { FaultMode, FaultOptions } from '../lab/model.js';
import type { ContainerInfo, Runtime } from '../engine/runtime.js';
import { usageError } from '../errors.js';
import type { ContainerFault, InjectContext } from './mode.js';
import { FAULT_MODE_SPECS } from './modes/index.js';

/** A break that is in force: what was done to which containers, so that heal can undo it. */
export interface Fault {
  component: string;
  mode: FaultMode;
  options?: FaultOptions;
  /** Set when the component was broken with its whole server (break --server). */
  server?: string;
  /** ms since 1970 */
  at: number;
  containers: ContainerFault[];
}

/** Breaks every container of a component in one of the modes of faults/modes/. */
export async function injectFault(ctx: InjectContext, component: string, mode: FaultMode, targets: ContainerInfo[], options: FaultOptions = {}): Promise<Fault> {
  const spec = FAULT_MODE_SPECS[mode];
  const fault: Fault = { component, mode, ...(spec.options.length ? { options } : {}), at: ctx.clock(), containers: [] };
  for (const c of targets) fault.containers.push(await spec.inject(ctx, c, options));
  return fault;
}

/** What acted in the namespaces of network faults (netem, nfqueue, iptables, tbf), each once. */
export const methodsOf = (faults: Fault[]): string[] => [...new Set(faults.flatMap((f) => f.containers.flatMap((c) => (c.method ? [c.method] : []))))];

/** Undoes a fault: what its mode did to each container, and only that. */
export async function undoFault(runtime: Runtime, fault: Fault): Promise<void> {
  for (const c of fault.containers) await FAULT_MODE_SPECS[fault.mode].undo(runtime, c);
}

/**
 * The options a mode needs, all of them, and no option of another mode: `--percent` on a latency
 * fault is a mistake worth a word, not something to ignore.
 */
export function checkFaultOptions(mode: FaultMode, options: FaultOptions): FaultOptions {
  const takes = FAULT_MODE_SPECS[mode].options;
  const given = (Object.keys(options) as (keyof FaultOptions)[]).filter((k) => options[k] !== undefined);
  const stray = given.filter((k) => !takes.includes(k));
  if (stray.length) throw usageError(`${stray.map(optionName).join(', ')} ${stray.length > 1 ? 'do' : 'does'} not apply to --mode ${mode}${takes.length ? `; it takes ${takes.map(optionName).join(', ')}` : ''}`);
  const missing = takes.filter((k) => options[k] === undefined && !(k in OPTION_DEFAULTS));
  if (missing.length) throw usageError(`--mode ${mode} needs ${missing.map(optionName).join(' and ')}`);
  return Object.fromEntries(takes.map((k) => [k, options[k] ?? OPTION_DEFAULTS[k]]));
}

const OPTION_DEFAULTS: Partial<FaultOptions> = { jitterMs: 0 };
const OPTION_NAMES: Record<keyof FaultOptions, string> = { delayMs: '--delay', jitterMs: '--jitter', percent: '--percent', rateKbit: '--rate', peer: '--to' };
const optionName = (k: keyof FaultOptions) => OPTION_NAMES[k];

const REPLICA = /^(.+)\.(\d+)$/;

/** The component a name means: `app.2` (one replica) means app. */
export const baseComponent = (name: string) => REPLICA.exec(name)?.[1] ?? name;

/** Which containers `name` means: a component (all its replicas), or one replica as component.N. */
export function selectTargets(name: string, containers: ContainerInfo[], components: string[]): { component: string; targets: ContainerInfo[] } {
  const m = REPLICA.exec(name);
  const component = baseComponent(name);
  if (!components.includes(component))
    throw usageError(`no component '${component}' in this lab; components: ${components.join(', ')} (one replica of a scaled one: app.1, app.2, ...)`);
  let targets = containers.filter((c) => c.service === component);
  if (m) {
    targets = targets.filter((c) => c.labels['com.docker.compose.container-number'] === m[2]);
    if (targets.length === 0) throw usageError(`${component} has no replica ${m[2]}`);
  }
  if (targets.length === 0) throw usageError(`${component} has no container; is the lab up? (infra-lab up)`);
  return { component: name, targets };
}
