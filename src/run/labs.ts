import { usageError } from '../errors.js';
import { loadLabFile } from '../lab/load.js';
import type { Lab } from '../lab/model.js';
import path from 'node:path';
import { LAB_COPY, readProjectInfo, withReplicas, type ProjectInfo } from '../render/generate.js';
import { knownProjects, type RunContext } from './context.js';
import { endpointsOf, projectContainers, serviceStates, type Endpoints, type ServiceState } from './state.js';
import { COMPOSE_LABEL } from '../engine/runtime.js';
import { removeHelpers } from './probe.js';
import { writeFaults } from '../faults/faults.js';
import { waitUntil } from './wait.js';

export interface LabStatus {
  lab: string;
  title: string;
  flavor: string;
  projectDir: string;
  projectName: string;
  /** up: every service ready; degraded: some are not; down: no container. */
  state: 'up' | 'degraded' | 'down';
  services: ServiceState[];
  endpoints: Endpoints;
  volumes: string[];
}

/** The lab of a generated project, read back from the project's copy of its lab file. */
export const labOf = (dir: string): Lab => withReplicas(loadLabFile(path.join(dir, LAB_COPY)), readProjectInfo(dir)?.replicas);
export const resolveLabOf = (status: LabStatus): Lab => labOf(status.projectDir);

export async function labStatus(ctx: RunContext, dir: string, info: ProjectInfo): Promise<LabStatus> {
  const lab = labOf(dir);
  const containers = await projectContainers(ctx.runtime, info.projectName);
  const services = serviceStates(lab, containers);
  const volumes = await ctx.runtime.volumes([`${COMPOSE_LABEL.project}=${info.projectName}`]);
  const state = containers.length === 0 ? 'down' : services.every((s) => s.ready) ? 'up' : 'degraded';
  return { lab: info.lab, title: info.title, flavor: info.flavor, projectDir: dir, projectName: info.projectName, state, services, endpoints: endpointsOf(lab, containers), volumes };
}

/** Status of every lab infra-lab has generated, or of the one named. */
export async function labStatuses(ctx: RunContext, name?: string): Promise<LabStatus[]> {
  const projects = knownProjects(ctx.home);
  const chosen = name ? projects.filter((p) => p.info.lab === name) : projects;
  if (name && chosen.length === 0) throw usageError(`no lab named ${name} has been started; labs infra-lab knows: ${projects.map((p) => p.info.lab).join(', ') || 'none'}`);
  return Promise.all(chosen.map((p) => labStatus(ctx, p.dir, p.info)));
}

/** The lab a command acts on: the one named, or the only one that has containers. */
export async function targetLab(ctx: RunContext, name?: string): Promise<LabStatus> {
  if (name) return (await labStatuses(ctx, name))[0];
  const running = (await labStatuses(ctx)).filter((s) => s.state !== 'down');
  if (running.length === 1) return running[0];
  if (running.length === 0) throw usageError('no lab is up; start one with infra-lab up <lab>');
  throw usageError(`several labs are up (${running.map((r) => r.lab).join(', ')}); say which with --lab`);
}

export function componentOf(status: LabStatus, component: string): ServiceState {
  const s = status.services.find((x) => x.component === component);
  if (!s) throw usageError(`the lab ${status.lab} has no component '${component}'; its components: ${status.services.map((x) => x.component).join(', ')}`);
  return s;
}

export async function down(ctx: RunContext, status: LabStatus, options: { volumes: boolean }): Promise<{ removedVolumes: string[]; keptVolumes: string[] }> {
  // A helper on the lab's network would keep compose from removing the network; paused containers cannot be stopped.
  await removeHelpers(ctx, status.projectName);
  for (const c of status.services.flatMap((s) => s.containers)) if (c.state === 'paused') await ctx.runtime.unpause(c.id);
  writeFaults(status.projectDir, []);
  await ctx.compose.down(status.projectDir, options);
  const left = await ctx.runtime.volumes([`${COMPOSE_LABEL.project}=${status.projectName}`]);
  return { removedVolumes: status.volumes.filter((v) => !left.includes(v)), keptVolumes: left };
}

/**
 * Waits until the components are ready (every container running and healthy), and, when given,
 * until `also` holds for the lab; resolves with the lab's status then, or undefined at the timeout.
 */
export async function waitForComponents(
  ctx: RunContext,
  projectDir: string,
  components: string[],
  timeoutMs: number,
  also: (status: LabStatus) => boolean = () => true,
): Promise<{ ok: boolean; status: LabStatus }> {
  let last: LabStatus | undefined;
  const ok = await waitUntil(
    async () => {
      last = await labStatus(ctx, projectDir, readProjectInfo(projectDir)!);
      return last.services.filter((s) => components.includes(s.component)).every((s) => s.ready) && also(last) ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, clock: ctx.clock, sleep: ctx.sleep },
  );
  return { ok: !!ok, status: last! };
}
