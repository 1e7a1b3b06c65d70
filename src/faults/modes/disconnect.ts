import { done, ignoreAlready, type FaultModeSpec } from '../mode.js';

/** Cut from all its networks; its addresses and aliases are kept, and heal reconnects it with them. */
export const disconnect: FaultModeSpec = {
  effect: () => 'disconnected from its networks',
  options: [],
  runsHelper: false,
  healsItself: false,
  downEvents: ['disconnect'],
  async inject(ctx, target) {
    const attachments = await ctx.runtime.attachments(target.id);
    for (const a of attachments) await ctx.runtime.disconnect(a.network, target.id);
    return done(target, { attachments });
  },
  async undo(runtime, c) {
    for (const a of c.attachments ?? []) await runtime.connect(a.network, c.id, { ipv4: a.ipv4, mac: a.mac, aliases: a.aliases }).catch(ignoreAlready);
  },
};
