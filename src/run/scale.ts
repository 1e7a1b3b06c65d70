import { failure, usageError } from '../errors.js';
import { component as componentOf, type Lab } from '../lab/model.js';
import { openProject } from '../project/project.js';
import { saveAgain } from '../project/save.js';
import type { RunContext } from './context.js';
import { waitForComponents, type LabStatus } from './labs.js';
import { TIMINGS } from './timings.js';

/** Parses "app=3". */
export function parseScale(arg: string): { component: string; replicas: number } {
  const m = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(arg);
  if (!m) throw usageError(`write the new size as component=N, e.g. app=3 (got '${arg}')`);
  return { component: m[1], replicas: Number(m[2]) };
}

/** Refuses a size the lab does not allow, with the reason (which is itself the lesson). */
export function checkScale(lab: Lab, component: string, replicas: number): void {
  const c = componentOf(lab, component);
  if (!c) throw usageError(`the lab ${lab.name} has no component '${component}'; its components: ${lab.components.map((x) => x.name).join(', ')}`);
  if (c.maxReplicas <= 1)
    throw usageError(
      `${component} cannot scale out in ${lab.name}: it is one named server (max_replicas 1). ${lab.stage === 1 ? 'That is the lesson of a single server: the only way to serve more is a bigger machine.' : 'Labs whose file sets max_replicas can (scale-up).'}`,
    );
  if (replicas < 1 || replicas > c.maxReplicas) throw usageError(`${component} can run 1 to ${c.maxReplicas} replicas in ${lab.name} (max_replicas)`);
}

/**
 * Changes the number of replicas of a component that the lab file lets scale. The project is
 * rendered again from its own lab with the new count (kept for later `up`s) and compose adds or
 * removes containers; the web servers find replicas through Docker's DNS on every request, so
 * nothing is restarted.
 */
export async function scale(ctx: RunContext, status: LabStatus, component: string, replicas: number): Promise<LabStatus> {
  checkScale(status.project.lab, component, replicas);
  await saveAgain(status.project, { replicas: { ...status.project.info.replicas, [component]: replicas } });
  await ctx.compose.up(status.projectDir, { replicasOf: component });
  const timeoutMs = TIMINGS.readyTimeoutMs;
  const { ok, status: after } = await waitForComponents(ctx, openProject(status.projectDir), [component], timeoutMs, (s) => s.services.find((x) => x.component === component)!.containers.length === replicas);
  if (!ok) throw failure(`${component} did not reach ${replicas} ready replicas within ${timeoutMs / 1000} s`);
  return after;
}
