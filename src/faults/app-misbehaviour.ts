import { failure } from '../errors.js';
import type { ContainerInfo, Runtime } from '../engine/runtime.js';
import { LABEL } from '../render/labels.js';
import { done, type ContainerFault } from './mode.js';
import { MISBEHAVE_FILE, type Misbehaviour } from './misbehaviour.js';

/**
 * The errors and slow faults: the app server is told to misbehave through a file inside its
 * container, which only the engine can write (no port, no header a user could send), and a
 * SIGUSR2 to its process (the child of docker-init, PID 1), which then reads the file. Undo
 * removes the file and signals again. The app does not read the file when it starts, so a
 * container that restarts starts well.
 */
const SIGNAL_APP = 'kill -USR2 $(cat /proc/1/task/1/children)';

export async function misbehave(runtime: Runtime, target: ContainerInfo, what: Misbehaviour): Promise<ContainerFault> {
  const role = target.labels[LABEL.role];
  if (role !== 'app') throw failure(`${target.name} is a ${role ?? 'helper'} component; only an app server can be made to answer errors or slowly (break an app component)`);
  const r = await runtime
    .exec(target.id, ['sh', '-c', `printf '%s' "$1" > ${MISBEHAVE_FILE} && ${SIGNAL_APP}`, 'sh', JSON.stringify(what)])
    .catch((err: Error) => ({ exitCode: -1, output: err.message }));
  if (r.exitCode !== 0) throw failure(`could not make ${target.name} misbehave: ${r.output.trim() || `exit ${r.exitCode}`} (is it running? infra-lab status)`);
  return done(target);
}

/** Removes the file and tells the app; a container that is not running any more starts well anyway. */
export async function behave(runtime: Runtime, fault: ContainerFault): Promise<void> {
  const r = await runtime.exec(fault.id, ['sh', '-c', `rm -f ${MISBEHAVE_FILE} && ${SIGNAL_APP}`]).catch(() => undefined);
  if (r && r.exitCode !== 0) {
    const left = await runtime.exec(fault.id, ['test', '-e', MISBEHAVE_FILE]).catch(() => undefined);
    if (left?.exitCode === 0) throw failure(`could not undo the fault in ${fault.name}: ${r.output.trim()}`);
  }
}
