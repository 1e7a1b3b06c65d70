import type { FaultMode, FaultOptions, Lab, ServerFaultMode } from '../lab/model.js';
import { failure, usageError } from '../errors.js';
import { baseComponent, checkFaultOptions, injectFault, selectTargets, undoFault, type Fault } from '../faults/faults.js';
import { FAULT_MODE_SPECS } from '../faults/modes/index.js';
import type { InjectContext } from '../faults/mode.js';
import { imageFor } from '../render/flavors.js';
import { LABEL } from '../render/project.js';
import { checkImages } from './up.js';
import { readFaults, writeFaults } from '../project/project.js';
import { TIMINGS } from './timings.js';
import type { ContainerInfo, NetworkAttachment } from '../engine/runtime.js';
import { addressLab } from '../render/addresses.js';
import type { Project } from '../project/project.js';
import { checkUserPath } from './user-path.js';
import type { RunContext } from './context.js';
import { silent, type Progress } from './events.js';
import { lockLab } from './lock.js';
import { waitForComponents, type LabStatus } from './labs.js';

/** Break a component of a running lab; refuses what is already broken. */
export async function breakComponent(ctx: RunContext, status: LabStatus, name: string, mode: FaultMode, options: FaultOptions = {}, progress: Progress = silent): Promise<Fault> {
  // The name and options are checked before anything happens, the lock taken included.
  const { component, targets } = targetsIn(status, name);
  const settings = checkFaultOptions(mode, options);
  const peers = settings.peer === undefined ? [] : targetsIn(status, settings.peer).targets;
  if (settings.peer !== undefined && baseComponent(settings.peer) === baseComponent(component)) throw usageError(`${component} cannot be cut off from itself; name another component with --to`);
  return lockLab(ctx, status.lab, progress, async () => {
    const [fault] = await breakLocked(ctx, status, [{ component, targets }], mode, settings, peers, progress);
    return fault;
  });
}

/**
 * Break every component the lab places on a server, together: the machine dies (kill), shuts down
 * (stop), freezes (pause) or loses its network (disconnect). One fault per component, all marked
 * with the server, so that heal --server undoes them together.
 */
export async function breakServer(ctx: RunContext, status: LabStatus, server: string, mode: ServerFaultMode, progress: Progress = silent): Promise<Fault[]> {
  const onServer = componentsOnServer(status.project.lab, server).map((c) => targetsIn(status, c));
  return lockLab(ctx, status.lab, progress, () => breakLocked(ctx, status, onServer, mode, {}, [], progress, server));
}

/** The containers a name means in a running lab (see selectTargets). */
export const targetsIn = (status: LabStatus, name: string) =>
  selectTargets(
    name,
    status.services.flatMap((s) => s.containers),
    status.services.map((s) => s.component),
  );

/** The components a lab places on a server: what break --server takes down and heal --server brings back. */
export function componentsOnServer(lab: Lab, server: string): string[] {
  const servers = [...new Set(lab.components.map((c) => c.server))];
  if (!servers.includes(server)) throw usageError(`no server '${server}' in this lab; servers: ${servers.join(', ')}`);
  return lab.components.filter((c) => c.server === server).map((c) => c.name);
}

async function breakLocked(
  ctx: RunContext,
  status: LabStatus,
  chosen: { component: string; targets: ContainerInfo[] }[],
  mode: FaultMode,
  options: FaultOptions,
  peers: ContainerInfo[],
  progress: Progress,
  server?: string,
): Promise<Fault[]> {
  const faults = readFaults(status.projectDir);
  for (const { component, targets } of chosen) {
    const existing = faults.find((f) => f.component === component || f.component === baseComponent(component) || baseComponent(f.component) === component);
    if (existing)
      throw usageError(`${existing.component} is already broken (${existing.mode}, ${new Date(existing.at).toLocaleTimeString()}); heal it first: infra-lab heal ${existing.server ? `--server ${existing.server}` : existing.component}`);
    const down = targets.filter((c) => c.state !== 'running');
    if (down.length)
      throw usageError(`${component} is already down (${down.map((c) => `${c.name}: ${c.state}`).join(', ')}); infra-lab heal ${component} brings it back`);
  }
  const helper = imageFor(status.flavor, 'netfault');
  if (FAULT_MODE_SPECS[mode].runsHelper) await checkImages(ctx, status.flavor, [helper], progress);
  const inject: InjectContext = {
    runtime: ctx.runtime,
    clock: ctx.clock,
    sleep: ctx.sleep,
    helper: { image: helper, labels: { [LABEL.lab]: status.lab, [LABEL.helper]: status.projectName, [LABEL.fault]: mode } },
    peers,
  };
  // Together, as when a machine goes away: the components of a server fall within milliseconds of each other.
  const broken = await Promise.all(chosen.map(({ component, targets }) => injectFault(inject, component, mode, targets, options)));
  const marked = server ? broken.map((f) => ({ ...f, server })) : broken;
  writeFaults(status.projectDir, [...faults, ...marked]);
  return marked;
}

export interface HealResult {
  healed: { component: string; mode: FaultMode | 'manual' }[];
  ms: number;
}

/**
 * Undo breaks (those named, or all) and bring back containers that are down for any other reason,
 * then wait until the components are ready again.
 */
export async function heal(ctx: RunContext, status: LabStatus, names: string[] | 'all', options: { timeoutMs?: number; progress?: Progress } = {}): Promise<HealResult> {
  for (const n of names === 'all' ? [] : names) targetsIn(status, n);
  const progress = options.progress ?? silent;
  progress({ kind: 'step', text: `healing ${names === 'all' ? 'everything' : names.join(', ')} in ${status.lab}` });
  return lockLab(ctx, status.lab, progress, () => healLocked(ctx, status, names, options.timeoutMs ?? TIMINGS.readyTimeoutMs));
}

async function healLocked(ctx: RunContext, status: LabStatus, names: string[] | 'all', timeoutMs: number): Promise<HealResult> {
  const start = ctx.clock();
  const faults = readFaults(status.projectDir);
  const components = status.services.map((s) => s.component);
  const chosen = names === 'all' ? faults : faults.filter((f) => names.includes(f.component) || names.includes(baseComponent(f.component)));
  const healed: HealResult['healed'] = [];
  for (const f of chosen) {
    await undoFault(ctx.runtime, withPlannedAddresses(status.project, f));
    healed.push({ component: f.component, mode: f.mode });
  }
  writeFaults(status.projectDir, faults.filter((f) => !chosen.includes(f)));

  // Whatever else is down among the chosen components (stopped by hand, say) is started too.
  const wanted = names === 'all' ? components : [...new Set([...names, ...chosen.map((f) => f.component)].map(baseComponent))];
  for (const s of status.services.filter((x) => wanted.includes(x.component))) {
    for (const c of s.containers) {
      // What undoFault brought back is left alone; a crashed container that no restart policy brought back is started.
      const undone = chosen.find((f) => f.containers.some((x) => x.id === c.id));
      if (undone && undone.mode !== 'crash') continue;
      if (c.state === 'exited' || c.state === 'created') await ctx.runtime.start(c.id);
      else if (c.state === 'paused') await ctx.runtime.unpause(c.id);
      else continue;
      if (!undone) healed.push({ component: s.component, mode: 'manual' });
    }
  }
  if (names !== 'all' && healed.length === 0 && wanted.every((w) => status.services.find((s) => s.component === w)?.ready))
    throw usageError(`${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not broken; nothing to heal`);

  const { ok, status: last } = await waitForComponents(ctx, status.project, wanted, timeoutMs);
  if (!ok) {
    const bad = last.services.filter((s) => wanted.includes(s.component) && !s.ready);
    throw failure(`healed, but ${bad.map((s) => `${s.component} (${s.summary})`).join(', ')} did not become ready again; see infra-lab logs ${bad[0]?.component}`);
  }
  // Ready containers are not yet a site that answers (the app may hold the old address of its database): with
  // nothing left broken, ready means that a user gets through.
  if (faults.length === chosen.length && last.state === 'up')
    await checkUserPath(ctx, status.project.lab, last.endpoints, status.projectDir).catch((err: Error) => {
      throw failure(`healed, but users do not get through: ${err.message}`, err);
    });
  return { healed, ms: ctx.clock() - start };
}

/**
 * A disconnect fault reconnects each fixed-address component at the address the lab's plan gives it,
 * whatever the engine said at the break: Podman's inspect does not say which address was asked for.
 */
function withPlannedAddresses(project: Project, fault: Fault): Fault {
  if (fault.mode !== 'disconnect') return fault;
  const planned = addressLab(project.lab, project.info.block).components[baseComponent(fault.component)];
  if (!planned) return fault;
  const prefix = `${project.info.projectName}_`;
  const plan = (a: NetworkAttachment) => (a.network.startsWith(prefix) && planned[a.network.slice(prefix.length)] ? { ...a, ipv4: planned[a.network.slice(prefix.length)] } : a);
  return { ...fault, containers: fault.containers.map((c) => ({ ...c, attachments: c.attachments?.map(plan) })) };
}
