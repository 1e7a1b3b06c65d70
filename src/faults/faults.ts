import type { FaultMode } from '../lab/model.js';
import type { ContainerInfo, NetworkAttachment, Runtime } from '../engine/runtime.js';
import { failure, usageError } from '../errors.js';

/** A break that is in force: what was done to which containers, so that heal can undo it. */
export interface Fault {
  component: string;
  mode: FaultMode;
  /** ms since 1970 */
  at: number;
  containers: { id: string; name: string; attachments?: NetworkAttachment[] }[];
}

/**
 * Breaks containers of a component in one of five ways:
 * - kill: SIGKILL through the Engine API; Docker counts it as a manual stop, so the restart policy leaves it down;
 * - stop: a graceful stop (SIGTERM, then SIGKILL after 10 s);
 * - crash: the service's process is killed from inside; PID 1 (docker-init) then exits as after a real
 *   crash, and the restart policy brings the container back (PID 1 itself ignores signals sent from
 *   inside its container, so killing it directly does nothing);
 * - pause: frozen by the cgroup freezer: connections hang instead of being refused;
 * - disconnect: cut from all its networks (addresses and aliases are kept, for heal).
 */
export async function injectFault(runtime: Runtime, component: string, mode: FaultMode, targets: ContainerInfo[], clock: () => number): Promise<Fault> {
  const fault: Fault = { component, mode, at: clock(), containers: [] };
  for (const c of targets) {
    const entry: Fault['containers'][number] = { id: c.id, name: c.name };
    switch (mode) {
      case 'kill':
        await runtime.kill(c.id, 'SIGKILL');
        break;
      case 'stop':
        await runtime.stop(c.id);
        break;
      case 'crash': {
        const r = await runtime
          .exec(c.id, ['sh', '-c', 'kill -KILL $(cat /proc/1/task/1/children)'])
          .catch((err: Error) => ({ exitCode: -1, output: err.message }));
        if (r.exitCode !== 0)
          throw failure(`could not crash ${c.name}: ${r.output.trim() || `exit ${r.exitCode}`} (crash needs a shell in the container and docker-init as PID 1; use --mode kill)`);
        break;
      }
      case 'pause':
        await runtime.pause(c.id);
        break;
      case 'disconnect':
        entry.attachments = await runtime.attachments(c.id);
        for (const a of entry.attachments) await runtime.disconnect(a.network, c.id);
        break;
    }
    fault.containers.push(entry);
  }
  return fault;
}

/** Undoes a fault: start what was killed or stopped, unpause, reconnect. A crash heals itself. */
export async function undoFault(runtime: Runtime, fault: Fault): Promise<void> {
  for (const c of fault.containers) {
    switch (fault.mode) {
      case 'kill':
      case 'stop':
        await runtime.start(c.id).catch(ignoreAlready);
        break;
      case 'pause':
        await runtime.unpause(c.id).catch(ignoreAlready);
        break;
      case 'disconnect':
        for (const a of c.attachments ?? []) await runtime.connect(a.network, c.id, { ipv4: a.ipv4, mac: a.mac, aliases: a.aliases }).catch(ignoreAlready);
        break;
      case 'crash':
        break;
    }
  }
}

/** Starting a running container or unpausing a running one: the engine answers 304 or 409; the goal is met. */
function ignoreAlready(err: { statusCode?: number; message?: string }) {
  if (err.statusCode === 304 || err.statusCode === 409 || /already|not paused|is not paused/i.test(err.message ?? '')) return;
  throw err;
}

const REPLICA = /^(.+)\.(\d+)$/;

/** The component a name means: `app.2` (one replica) means app. */
export const baseComponent = (name: string) => REPLICA.exec(name)?.[1] ?? name;

/** Which containers `name` means: a component (all its replicas), or one replica as component.N. */
export function selectTargets(name: string, containers: ContainerInfo[], components: string[]): { component: string; targets: ContainerInfo[] } {
  const m = REPLICA.exec(name);
  const component = baseComponent(name);
  if (!components.includes(component))
    throw usageError(`no component '${component}' in this lab; components: ${components.join(', ')} (one replica of a scaled one: app.1, app.2, ...)`);
  let targets = containers.filter((c) => c.service === component);
  if (m) {
    targets = targets.filter((c) => c.labels['com.docker.compose.container-number'] === m[2]);
    if (targets.length === 0) throw usageError(`${component} has no replica ${m[2]}`);
  }
  if (targets.length === 0) throw usageError(`${component} has no container; is the lab up? (infra-lab up)`);
  return { component: name, targets };
}
