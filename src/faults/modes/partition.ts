import { failure } from '../../errors.js';
import { startNetworkFault, undoNetworkFault } from '../network.js';
import type { FaultModeSpec } from '../mode.js';

/** Traffic between the component and one other is dropped in both directions; the rest of the lab is untouched. */
export const partition: FaultModeSpec = {
  effect: (o) => `cut off from ${o.peer} in both directions`,
  options: ['peer'],
  runsHelper: true,
  healsItself: false,
  downEvents: [],
  inject: (ctx, target, o) => {
    const addresses = [...new Set(ctx.peers.flatMap((p) => Object.values(p.networks)))].filter(Boolean);
    if (addresses.length === 0) throw failure(`${o.peer} has no address to cut ${target.name} off from; is it running? (infra-lab status)`);
    return startNetworkFault(ctx, target, ['partition', ...addresses]);
  },
  undo: undoNetworkFault,
};
