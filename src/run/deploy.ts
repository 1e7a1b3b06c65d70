import type { Lab, Strategy } from '../lab/model.js';
import { component, componentsWithRole } from '../lab/model.js';
import { failure, usageError } from '../errors.js';
import { readEnv, type Project } from '../project/project.js';
import { saveAgain } from '../project/save.js';
import { LABEL } from '../render/project.js';
import { versionVariable } from '../render/secrets.js';
import { COMPOSE_LABEL } from '../engine/runtime.js';
import type { RunContext } from './context.js';
import type { Progress } from './events.js';
import { waitForComponents, type LabStatus } from './labs.js';
import { waitUntil } from './wait.js';
import { TIMINGS } from './timings.js';


/** The version each app component runs now, from the project's .env. */
export function currentVersions(project: Project): Record<string, string> {
  const env = readEnv(project.dir);
  return Object.fromEntries(componentsWithRole(project.lab, 'app').map((c) => [c.name, env[versionVariable(c.name)] ?? '1']));
}

/** The next version: one more than the highest running, when versions are numbers. */
export function nextVersion(versions: Record<string, string>): string {
  const numbers = Object.values(versions).map(Number).filter(Number.isFinite);
  return String(numbers.length ? Math.max(...numbers) + 1 : 2);
}

/** Why a lab cannot be deployed with a strategy (the reason is itself the lesson), or undefined. */
export function refusal(lab: Lab, strategy: Strategy): string | undefined {
  const apps = componentsWithRole(lab, 'app');
  if (strategy === 'recreate') return undefined;
  if (apps.some((a) => a.maxReplicas > 1))
    return `${strategy} needs app servers the web servers address one by one; in ${lab.name} the app tier is one service of replicas behind Docker's DNS. Use recreate, or scale out first and watch what recreate costs`;
  if (apps.length < 2)
    return `${strategy} needs a second app server to serve while one is replaced, and ${lab.name} has only ${apps[0]?.name ?? 'none'}: during any deploy the site is down. That is the lesson of a single server`;
  return undefined;
}

interface DeployStep {
  (text: string): void;
}

/**
 * Ships a new version of the app code base.
 * - recreate: every app server is stopped and started with the new version (compose recreates it);
 * - rolling: one app server at a time is drained from nginx (graceful reload), replaced, waited for and put back;
 * - blue-green: a twin of every app server starts beside it with the new version; once healthy, nginx switches
 *   to the twins (graceful reload); the old servers are then replaced in place and nginx switches back, so that
 *   compose's project stays the one source of truth; the twins are removed.
 * Compose ignores deploy.update_config, so rolling and blue-green are orchestrated here.
 */
export async function deploy(ctx: RunContext, lab: Lab, status: LabStatus, strategy: Strategy, version: string, progress: Progress): Promise<void> {
  const why = refusal(lab, strategy);
  if (why) throw usageError(why);
  const apps = componentsWithRole(lab, 'app').map((c) => c.name);
  const step: DeployStep = (text) => progress({ kind: 'step', text });
  // The project is rendered again from its own lab: only versions and routing change.
  const render = (versions: Record<string, string>, routing?: { drained?: string[]; addresses?: Record<string, string> }) => saveAgain(status.project, { versions, routing });

  if (strategy === 'recreate') {
    step(`recreate ${apps.join(', ')} with version ${version}`);
    await render(Object.fromEntries(apps.map((a) => [a, version])));
    await ctx.compose.up(status.projectDir, { services: apps, noDeps: true, forceRecreate: true });
    await waitReady(ctx, status, apps);
    return;
  }

  if (strategy === 'rolling') {
    const done: Record<string, string> = {};
    for (const app of apps) {
      step(`drain ${app}: nginx stops sending it requests (graceful reload)`);
      await render(done, { drained: [app] });
      await reloadWebs(ctx, lab, status);
      step(`replace ${app} with version ${version}`);
      done[app] = version;
      await render(done, { drained: [app] });
      await ctx.compose.up(status.projectDir, { services: [app], noDeps: true, forceRecreate: true });
      await waitReady(ctx, status, [app]);
      step(`put ${app} back`);
      await render(done);
      await reloadWebs(ctx, lab, status);
    }
    return;
  }

  // blue-green
  const greens = await startTwins(ctx, lab, status, apps, version);
  const toGreens = { addresses: Object.fromEntries(Object.entries(greens).map(([app, g]) => [app, g.address])) };
  try {
    step(`switch nginx to the new version (${Object.keys(greens).join(', ')} twins)`);
    await render({}, toGreens);
    await reloadWebs(ctx, lab, status);
    // No web server sends the old servers a request any more: replacing them all at once is safe.
    step(`replace the old ${apps.join(', ')} in place with version ${version}, unused meanwhile`);
    const versions = Object.fromEntries(apps.map((a) => [a, version]));
    await render(versions, toGreens);
    await ctx.compose.up(status.projectDir, { services: apps, noDeps: true, forceRecreate: true });
    await waitReady(ctx, status, apps);
    step('switch nginx back to the replaced servers at their own addresses');
    await render(versions);
    await reloadWebs(ctx, lab, status);
  } finally {
    // After reloadWebs no web server uses a twin; on a failure part-way, a graceful stop still lets a twin answer what it holds.
    for (const g of Object.values(greens)) await ctx.runtime.stop(g.id).catch(() => undefined);
    for (const g of Object.values(greens)) await ctx.runtime.remove(g.id);
  }
}

/**
 * Makes every web server reload its configuration, and returns once the workers of the old
 * configuration have exited: until then they may still send requests to servers that the old
 * configuration named (a drained app server, a twin), so stopping one earlier drops requests.
 * `nginx -s reload` only sends a signal; an old worker exits after answering what it holds
 * (bounded by worker_shutdown_timeout). A configuration nginx refuses keeps the old workers,
 * which the wait turns into an error.
 */
async function reloadWebs(ctx: RunContext, lab: Lab, status: LabStatus): Promise<void> {
  const webs = componentsWithRole(lab, 'web').flatMap((web) => (status.services.find((s) => s.component === web.name)?.containers ?? []).map((c) => ({ web: web.name, c })));
  await Promise.all(
    webs.map(async ({ web, c }) => {
      const r = await ctx.runtime.exec(c.id, ['sh', '-c', RELOAD_AND_WAIT]);
      if (r.exitCode !== 0) throw failure(`reloading nginx in ${web} failed: ${r.output.trim()} (infra-lab logs ${web})`);
    }),
  );
}

/** Shell for reloadWebs: the master's children before the reload are the old workers; wait until none is left. */
const RELOAD_AND_WAIT = `
master=$(cat /tmp/nginx.pid) || exit 1
children() { cat /proc/$master/task/$master/children; }
old=" $(children) "
nginx -s reload || exit 1
i=0
while [ $i -lt 300 ]; do
  now=$(children); left=""
  for p in $now; do case "$old" in *" $p "*) left="$left $p";; esac; done
  [ -n "$now" ] && [ -z "$left" ] && exit 0
  i=$((i + 1)); sleep 0.1
done
echo "the workers of the old configuration (pids$left) did not exit within 30 s"; exit 1
`;

async function waitReady(ctx: RunContext, status: LabStatus, components: string[], timeoutMs = TIMINGS.readyTimeoutMs): Promise<void> {
  const { ok } = await waitForComponents(ctx, status.project, components, timeoutMs);
  if (!ok) throw failure(`${components.join(', ')} did not become ready with the new version within ${timeoutMs / 1000} s`);
}

/** Starts a twin of each app server with the new version, on the same networks, and waits until each is healthy. */
async function startTwins(ctx: RunContext, lab: Lab, status: LabStatus, apps: string[], version: string): Promise<Record<string, { id: string; address: string }>> {
  const twins: Record<string, { id: string; address: string }> = {};
  // The twin is reached where the web servers reach the app server it stands in for.
  const web = componentsWithRole(lab, 'web')[0];
  try {
    for (const app of apps) {
      const blue = status.services.find((s) => s.component === app)!.containers[0];
      const green = await ctx.runtime.cloneContainer(blue.id, {
        name: `${status.projectName}-${app}-green`,
        env: { APP_VERSION: version, INSTANCE_NAME: `${app}-green` },
        labels: { [LABEL.lab]: lab.name, [LABEL.helper]: status.projectName },
        dropLabels: [COMPOSE_LABEL.project, COMPOSE_LABEL.service, COMPOSE_LABEL.number],
      });
      const shared = component(lab, app)!.networks.find((n) => web.networks.includes(n))!;
      twins[app] = { id: green.id, address: green.addresses[`${status.projectName}_${shared}`] };
    }
    const ok = await waitUntil(
      async () => {
        const ids = Object.values(twins).map((t) => t.id);
        const states = (await ctx.runtime.containers([`${LABEL.helper}=${status.projectName}`])).filter((c) => ids.includes(c.id));
        return states.length === apps.length && states.every((c) => c.state === 'running' && c.health === 'healthy') ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, clock: ctx.clock, sleep: ctx.sleep },
    );
    if (!ok) throw failure('the new version did not become healthy beside the old one; nothing was switched');
    return twins;
  } catch (err) {
    for (const t of Object.values(twins)) await ctx.runtime.remove(t.id);
    throw err;
  }
}
