import fs from 'node:fs';
import { ExitError, usageError } from '../errors.js';
import type { Lab } from '../lab/model.js';
import { looksLikeLabFile, resolveLab } from '../lab/load.js';
import { knownProjects, openProject, projectDirOf, readInfo, writeFaults, type Project } from '../project/project.js';
import { projectNameOf, type RunContext } from './context.js';
import { lockLab } from './lock.js';
import { endpointsOf, projectContainers, serviceStates, type Endpoints, type ServiceState } from './state.js';
import { COMPOSE_LABEL } from '../engine/runtime.js';
import { helpersOf, removeHelpers, type Helper } from './probe.js';
import { waitUntil } from './wait.js';
import type { Flavor } from '../render/flavors.js';
import type { Progress } from './events.js';

export interface LabStatus {
  lab: string;
  title: string;
  flavor: Flavor;
  projectDir: string;
  projectName: string;
  /** The opened project: its lab is read once per command. */
  project: Project;
  /** up: every service ready; degraded: some are not; down: no container. */
  state: 'up' | 'degraded' | 'down';
  services: ServiceState[];
  endpoints: Endpoints;
  volumes: string[];
  /** Containers infra-lab runs beside the compose project (probes, twins). */
  helpers: Helper[];
}

export async function labStatus(ctx: RunContext, project: Project): Promise<LabStatus> {
  const { info, lab } = project;
  const containers = await projectContainers(ctx.runtime, info.projectName);
  const services = serviceStates(lab, containers);
  const volumes = await ctx.runtime.volumes([`${COMPOSE_LABEL.project}=${info.projectName}`]);
  const helpers = await helpersOf(ctx, info.projectName);
  const state = containers.length === 0 ? 'down' : services.every((s) => s.ready) ? 'up' : 'degraded';
  return { lab: info.lab, title: info.title, flavor: info.flavor, projectDir: project.dir, projectName: info.projectName, project, state, services, endpoints: endpointsOf(lab, containers), volumes, helpers };
}

/** A project folder under the home that cannot be read; it can still be taken down. */
export interface DamagedLab {
  lab: string;
  projectDir: string;
  error: Error;
}

/** Status of every lab infra-lab has generated (and those whose folder is damaged), or of the one named. */
export async function labStatuses(ctx: RunContext, name?: string): Promise<{ statuses: LabStatus[]; damaged: DamagedLab[] }> {
  const projects = knownProjects(ctx.home);
  const chosen = name ? projects.filter((p) => p.name === name) : projects;
  if (name && chosen.length === 0) throw usageError(`no lab named ${name} has been started; labs infra-lab knows: ${projects.map((p) => p.name).join(', ') || 'none'}`);
  const damaged: DamagedLab[] = [];
  const opened: Project[] = [];
  for (const p of chosen) {
    try {
      if (p.error) throw p.error;
      opened.push(openProject(p.dir));
    } catch (err) {
      if (name) throw err;
      damaged.push({ lab: p.name, projectDir: p.dir, error: err as Error });
    }
  }
  return { statuses: await Promise.all(opened.map((p) => labStatus(ctx, p))), damaged };
}

/** The lab a command acts on: the one named, or the only one that has containers. */
export async function targetLab(ctx: RunContext, name?: string): Promise<LabStatus> {
  if (name) return (await labStatuses(ctx, name)).statuses[0];
  const running = (await labStatuses(ctx)).statuses.filter((s) => s.state !== 'down');
  if (running.length === 1) return running[0];
  if (running.length === 0) throw usageError('no lab is up; start one with infra-lab up <lab>');
  throw usageError(`several labs are up (${running.map((r) => r.lab).join(', ')}); say which with --lab`);
}

/** The project folder of a lab under the home, when infra-lab has one for it. */
export function projectOf(ctx: RunContext, name: string): Project | undefined {
  const dir = projectDirOf(ctx.home, name);
  return fs.existsSync(dir) && readInfo(dir) ? openProject(dir) : undefined;
}

/**
 * The lab a command names: a path is a lab file; a name is the lab infra-lab has a project of
 * under that name (started from whatever file, which it remembers), else a built-in lab.
 * The remembered file is read again when it is still there, so that `up` applies its changes.
 */
export function labOfRef(ctx: RunContext, ref: string): { lab: Lab; labText?: string; project?: Project } {
  if (looksLikeLabFile(ref)) return { lab: resolveLab(ref) };
  const project = projectOf(ctx, ref);
  if (!project) return { lab: resolveLab(ref) };
  if (fs.existsSync(project.info.source)) return { lab: resolveLab(project.info.source), project };
  return { lab: project.lab, labText: project.labText, project };
}

/**
 * The flavor a command runs a lab with: the one asked for, else the one the lab last ran with, else
 * official. A lab that is up is not switched to another flavor behind the user's back.
 */
export function flavorFor(status: Pick<LabStatus, 'lab' | 'flavor' | 'state'> | undefined, asked: Flavor | undefined): Flavor {
  if (!status) return asked ?? 'official';
  if (asked && asked !== status.flavor && status.state !== 'down')
    throw usageError(
      `${status.lab} is up with the ${status.flavor} images; to run it with ${asked} instead, take it down first (infra-lab down ${status.lab}), then infra-lab up ${status.lab} --flavor ${asked}`,
    );
  return asked ?? status.flavor;
}

export function componentOf(status: LabStatus, component: string): ServiceState {
  const s = status.services.find((x) => x.component === component);
  if (!s) throw usageError(`the lab ${status.lab} has no component '${component}'; its components: ${status.services.map((x) => x.component).join(', ')}`);
  return s;
}

/**
 * Takes a lab down. It always works: a lab whose project folder is damaged or gone is found by its
 * compose project's labels in the engine.
 */
export async function downLab(ctx: RunContext, name: string | undefined, options: { volumes: boolean }, progress: Progress): Promise<{ lab: string; removedVolumes: string[]; keptVolumes: string[] }> {
  await ctx.runtime.ping();
  let status: LabStatus;
  try {
    status = await targetLab(ctx, name);
  } catch (err) {
    if (!name || !(err instanceof ExitError)) throw err;
    const projectName = projectNameOf(ctx.home, name);
    const label = `${COMPOSE_LABEL.project}=${projectName}`;
    const known = fs.existsSync(projectDirOf(ctx.home, name));
    if (!known && (await ctx.runtime.containers([label])).length === 0 && (await ctx.runtime.volumes([label])).length === 0) throw err;
    progress({ kind: 'step', text: `${err.message.split('\n')[0]}` });
    progress({ kind: 'step', text: `removing ${name} by its engine labels (compose project ${projectName})` });
    return { lab: name, ...(await lockLab(ctx, name, progress, () => downByLabels(ctx, projectName, options))) };
  }
  progress({ kind: 'step', text: `removing ${status.lab}` });
  return { lab: status.lab, ...(await lockLab(ctx, status.lab, progress, () => down(ctx, status, options, progress))) };
}

export async function down(ctx: RunContext, status: LabStatus, options: { volumes: boolean }, progress: Progress): Promise<{ removedVolumes: string[]; keptVolumes: string[] }> {
  // A helper on the lab's network would keep compose from removing the network; paused containers cannot be stopped.
  await removeHelpers(ctx, status.projectName);
  for (const c of status.services.flatMap((s) => s.containers)) if (c.state === 'paused') await ctx.runtime.unpause(c.id);
  writeFaults(status.projectDir, []);
  try {
    await ctx.compose.down(status.projectDir, options);
  } catch (err) {
    // A docker-compose.yml edited into something compose rejects must not keep the lab running.
    progress({ kind: 'step', text: `compose could not take the project down (${(err as Error).message.split('\n')[0]}); removing it by its labels` });
    return downByLabels(ctx, status.projectName, options);
  }
  const left = await ctx.runtime.volumes([`${COMPOSE_LABEL.project}=${status.projectName}`]);
  return { removedVolumes: status.volumes.filter((v) => !left.includes(v)), keptVolumes: left };
}

/**
 * Takes a lab down from what the engine knows alone (compose's project label), for a project folder
 * that is damaged or gone: its containers, helpers and networks, and its volumes with --volumes.
 */
export async function downByLabels(ctx: RunContext, projectName: string, options: { volumes: boolean }): Promise<{ removedVolumes: string[]; keptVolumes: string[] }> {
  await removeHelpers(ctx, projectName);
  for (const c of await ctx.runtime.containers([`${COMPOSE_LABEL.project}=${projectName}`])) await ctx.runtime.remove(c.id);
  for (const n of (await ctx.runtime.networks()).filter((x) => x.project === projectName)) await ctx.runtime.removeNetwork(n.name);
  const volumes = await ctx.runtime.volumes([`${COMPOSE_LABEL.project}=${projectName}`]);
  if (options.volumes) for (const v of volumes) await ctx.runtime.removeVolume(v);
  return options.volumes ? { removedVolumes: volumes, keptVolumes: [] } : { removedVolumes: [], keptVolumes: volumes };
}

/**
 * Waits until the components are ready (every container running and healthy), and, when given,
 * until `also` holds for the lab; resolves with the lab's status then, or undefined at the timeout.
 */
export async function waitForComponents(
  ctx: RunContext,
  project: Project,
  components: string[],
  timeoutMs: number,
  also: (status: LabStatus) => boolean = () => true,
): Promise<{ ok: boolean; status: LabStatus }> {
  let last: LabStatus | undefined;
  const ok = await waitUntil(
    async () => {
      last = await labStatus(ctx, project);
      return last.services.filter((s) => components.includes(s.component)).every((s) => s.ready) && also(last) ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, clock: ctx.clock, sleep: ctx.sleep },
  );
  return { ok: !!ok, status: last! };
}
