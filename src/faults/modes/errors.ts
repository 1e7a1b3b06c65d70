import { behave, misbehave } from '../app-misbehaviour.js';
import type { FaultModeSpec } from '../mode.js';

/**
 * A buggy app server: it answers 500 to a share of the requests on its application path (/ and
 * /api/visits), at random, while /health still passes. The load balancer's and nginx's retries
 * act on servers that cannot be reached, not on answers: users see the 500s.
 */
export const errors: FaultModeSpec = {
  effect: (o) => `answering 500 to ${o.percent} % of the requests on its application path, while /health passes`,
  options: ['percent'],
  runsHelper: false,
  healsItself: false,
  downEvents: [],
  inject: (ctx, target, o) => misbehave(ctx.runtime, target, { errorPercent: o.percent }),
  undo: behave,
};
