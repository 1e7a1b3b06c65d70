import { startNetworkFault, undoNetworkFault } from '../network.js';
import type { FaultModeSpec } from '../mode.js';

/**
 * Each answer of the component arrives later: its packets from the ports it listens on are delayed
 * (not the handshake), so every request through it waits once, as for a slow server. netem where the
 * kernel has it, else a netfilter queue with nfq-delay (the debian flavor's helper).
 */
export const latency: FaultModeSpec = {
  effect: (o) => `slowed down: each of its answers is delayed by ${o.delayMs} ms${o.jitterMs ? ` ± ${o.jitterMs} ms` : ''}`,
  options: ['delayMs', 'jitterMs'],
  runsHelper: true,
  healsItself: false,
  downEvents: [],
  inject: (ctx, target, o) => startNetworkFault(ctx, target, ['latency', String(o.delayMs), String(o.jitterMs)]),
  undo: undoNetworkFault,
};
