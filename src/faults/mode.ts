import type { FaultMode, FaultOptions } from '../lab/model.js';
import type { ContainerInfo, NetworkAttachment, Runtime } from '../engine/runtime.js';

/** What a fault did to one container, so that heal can undo exactly that. */
export interface ContainerFault {
  id: string;
  name: string;
  /** disconnect: the networks it was on, with its addresses and aliases. */
  attachments?: NetworkAttachment[];
  /** Network faults: the helper container that holds the fault in the target's network namespace. */
  helper?: string;
  helperImage?: string;
  /** Network faults: what acted (netem, nfqueue, iptables, tbf). */
  method?: string;
}

/** What injecting a fault may need besides the target. */
export interface InjectContext {
  runtime: Runtime;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Network faults run a helper container from this image, with these labels (so that status and down find it). */
  helper: { image: string; labels: Record<string, string> };
  /** partition: the containers of the component the target is cut off from. */
  peers: ContainerInfo[];
}

/**
 * One way of breaking a component. Each mode is a module in faults/modes/; the registry there is
 * typed by FAULT_MODES, so a mode named in the lab model without its module (or a module without
 * an undo) does not compile.
 */
export interface FaultModeSpec {
  /** What happened, after "app-1 (its containers)", for the message of break. */
  effect(options: FaultOptions): string;
  /** The options the mode takes; each is required unless checkFaultOptions has a default for it. */
  options: readonly (keyof FaultOptions)[];
  /** The restart policy brings the component back without heal (crash). */
  healsItself: boolean;
  /** It runs a helper container (network faults): its image must be there before the break. */
  runsHelper: boolean;
  /** Engine events (actions) by which the engine saw the target go down; none for faults the engine does not see. */
  downEvents: readonly string[];
  inject(ctx: InjectContext, target: ContainerInfo, options: FaultOptions): Promise<ContainerFault>;
  undo(runtime: Runtime, done: ContainerFault): Promise<void>;
}

export type FaultModeRegistry = { readonly [M in FaultMode]: FaultModeSpec };

/** Starting a running container or unpausing a running one: the engine answers 304 or 409; the goal is met. */
export function ignoreAlready(err: { statusCode?: number; message?: string }) {
  if (err.statusCode === 304 || err.statusCode === 409 || /already|not paused|is not paused/i.test(err.message ?? '')) return;
  throw err;
}

export const done = (c: ContainerInfo, more: Partial<ContainerFault> = {}): ContainerFault => ({ id: c.id, name: c.name, ...more });
