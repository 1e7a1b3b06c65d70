import fs from 'node:fs';
import path from 'node:path';
import { templatesDir } from '../paths.js';
import { failure } from '../errors.js';
import type { ContainerInfo, ContainerSpec, Runtime } from '../engine/runtime.js';
import { done, type ContainerFault, type InjectContext } from './mode.js';

/**
 * Network faults are injected from outside the target, as Pumba does: a helper container joins the
 * target's network namespace with NET_ADMIN and applies tc or iptables rules there, so the lab's own
 * images and capabilities stay as they are. The helper holds the fault while it runs; stopping it
 * removes what it added (templates/faults/netfault.sh). Its arguments are numbers and addresses.
 */
const READY_TIMEOUT_MS = 20_000;

function helperSpec(image: string, name: string, target: string, args: string[], labels: Record<string, string>): ContainerSpec {
  const script = fs.readFileSync(path.join(templatesDir, 'faults', 'netfault.sh'), 'utf8');
  return { image, name, cmd: ['sh', '-c', script, 'netfault', ...args], env: {}, labels, network: `container:${target}`, capAdd: ['NET_ADMIN'], binds: {} };
}

export async function startNetworkFault(ctx: InjectContext, target: ContainerInfo, args: string[]): Promise<ContainerFault> {
  const { runtime, helper, clock } = ctx;
  const id = await runtime.startContainer(helperSpec(helper.image, `${target.name}-netfault`, target.id, args, helper.labels));
  const started = clock();
  for (;;) {
    // exec fails once the helper has stopped (it refused its arguments, or its tools are missing).
    const r = await runtime.exec(id, ['cat', '/tmp/netfault.ready']).catch(() => undefined);
    if (r?.exitCode === 0 && r.output.trim()) return done(target, { helper: id, helperImage: helper.image, method: r.output.trim() });
    if (!r || clock() - started > READY_TIMEOUT_MS) {
      const why = (await runtime.logs(id).catch(() => '')).trim().split('\n').pop();
      await runtime.remove(id);
      throw failure(`could not break the network of ${target.name}: ${why || (r ? `its helper was not ready after ${READY_TIMEOUT_MS / 1000} s` : 'its helper stopped')}`);
    }
    await ctx.sleep(100);
  }
}

/**
 * Stops the helper (on SIGTERM it removes its rules, and a delayer lets its held packets go first),
 * then cleans the target's namespace once more and checks that nothing is left, since a helper that
 * died without cleaning up (SIGKILL) must not leave a rule behind. A target that is not running has
 * no namespace to clean; one restarted meanwhile has a new, clean one.
 */
export async function undoNetworkFault(runtime: Runtime, c: ContainerFault): Promise<void> {
  if (!c.helper || !c.helperImage) return;
  await runtime.stop(c.helper).catch(() => undefined);
  await runtime.remove(c.helper);
  const lines: string[] = [];
  const run = await runtime.runContainer(helperSpec(c.helperImage, `${c.name}-netfault-clean`, c.id, ['clean'], {}), (line) => lines.push(line)).catch(() => undefined);
  if (!run) return;
  await run.finished;
  const left = lines.filter((l) => l.trim() && l.trim() !== 'clean');
  if (left.length) throw failure(`after heal, the network of ${c.name} still has: ${left.join('; ')}`);
}
