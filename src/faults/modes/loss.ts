import { startNetworkFault, undoNetworkFault } from '../network.js';
import type { FaultModeSpec } from '../mode.js';

/** A share of every packet the component sends is dropped at random (iptables' statistic match). */
export const loss: FaultModeSpec = {
  effect: (o) => `losing packets: ${o.percent} % of what it sends is dropped`,
  options: ['percent'],
  runsHelper: true,
  healsItself: false,
  downEvents: [],
  inject: (ctx, target, o) => startNetworkFault(ctx, target, ['loss', (o.percent! / 100).toFixed(3)]),
  undo: undoNetworkFault,
};
