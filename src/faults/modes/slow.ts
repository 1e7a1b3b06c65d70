import { behave, misbehave } from '../app-misbehaviour.js';
import type { FaultModeSpec } from '../mode.js';

/**
 * An app server that is slow at its work (a slow query, a lock) while /health, which checks only
 * that the process is alive, answers at once: the health checks keep sending users to it.
 * Unlike latency, the network is untouched; the app itself waits before each answer.
 */
export const slow: FaultModeSpec = {
  effect: (o) => `slow at its work: each request on its application path waits ${o.delayMs} ms, while /health answers at once`,
  options: ['delayMs'],
  runsHelper: false,
  healsItself: false,
  downEvents: [],
  inject: (ctx, target, o) => misbehave(ctx.runtime, target, { delayMs: o.delayMs }),
  undo: behave,
};
