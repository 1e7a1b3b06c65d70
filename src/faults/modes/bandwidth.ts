import { startNetworkFault, undoNetworkFault } from '../network.js';
import type { FaultModeSpec } from '../mode.js';

/** What the component sends is limited to a rate (a token bucket, tc tbf), as on a thin link. */
export const bandwidth: FaultModeSpec = {
  effect: (o) => `on a thin link: what it sends is limited to ${o.rateKbit} kbit/s`,
  options: ['rateKbit'],
  runsHelper: true,
  healsItself: false,
  downEvents: [],
  inject: (ctx, target, o) => {
    // The bucket must hold at least a timer tick's worth of the rate (10 ms), and a few packets.
    const burstBytes = Math.max(4096, Math.ceil((o.rateKbit! * 1000) / 8 / 100));
    return startNetworkFault(ctx, target, ['bandwidth', String(o.rateKbit), String(burstBytes)]);
  },
  undo: undoNetworkFault,
};
