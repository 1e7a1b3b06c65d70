import { baseComponent } from '../../faults/faults.js';
import { breakComponent, heal } from '../../run/faults.js';
import { waitForComponents } from '../../run/labs.js';
import type { CheckRun } from './check.js';
import { breakTargets, describeSelector, selectComponents } from './select.js';

/**
 * Crashes each selected component (its process dies inside the container, as in a real crash) and
 * then does nothing: the component must be running and ready again, in a container started after
 * the crash, within the time given. Only the restart policy can do that.
 */
export const selfHeal: CheckRun<'self_heal'> = async (session, settings) => {
  const { ctx } = session;
  const target = `back and ready within ${settings.within_s} s of a crash, with nobody acting (${describeSelector(settings.each)})`;
  const targets = breakTargets(await session.status(), selectComponents(session.lab, settings.each));
  if (targets.length === 0) return { pass: false, figure: `no such component (${describeSelector(settings.each)})`, target };
  const figures: string[] = [];
  let pass = true;
  for (const name of targets) {
    const status = await session.status();
    session.progress({ kind: 'step', text: `crash ${name}, then wait up to ${settings.within_s} s without acting` });
    const fault = await breakComponent(ctx, status, name, 'crash');
    // Ready is not enough: just after the crash the container may not have noticed yet.
    const crashed = new Set(fault.containers.map((c) => c.id));
    const { ok } = await waitForComponents(ctx, status.project, [baseComponent(name)], settings.within_s * 1000, (s) =>
      s.services.find((x) => x.component === baseComponent(name))!.containers.every((c) => !crashed.has(c.id) || (c.startedAt?.getTime() ?? 0) > fault.at),
    );
    const backMs = ctx.clock() - fault.at;
    pass &&= ok;
    figures.push(ok ? `${name} back in ${(backMs / 1000).toFixed(1)} s` : `${name} not back after ${settings.within_s} s`);
    // Whatever happened, the lab is brought back for the next check (this also forgets the crash).
    await heal(ctx, await session.status(), [name]);
  }
  return { pass, figure: figures.join('; '), target };
};
