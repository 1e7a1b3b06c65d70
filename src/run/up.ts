import fs from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lab/model.js';
import { ExitCode, ExitError, environmentError, failure } from '../errors.js';
import { addressLab, blockFor, overlaps } from '../render/addresses.js';
import { imageFor, type Flavor } from '../render/flavors.js';
import type { ContainerLimits } from '../render/project.js';
import { labTextOfCopy, withReplicas } from '../render/generate.js';
import { hasEnv, projectDirOf, readInfo } from '../project/project.js';
import { saveProject } from '../project/save.js';
import type { WwwAnswer } from '../measure/dns.js';
import { projectNameOf, type RunContext } from './context.js';
import { flavorFor } from './labs.js';
import { lockLab } from './lock.js';
import { TIMINGS } from './timings.js';
import { COMPOSE_LABEL } from '../engine/runtime.js';
import type { Progress } from './events.js';
import { endpointsOf, healthchecksNeverRun, projectContainers, serviceStates, type Endpoints, type ServiceState } from './state.js';
import { waitUntil } from './wait.js';
import { buildDebianImages } from './images.js';
import { checkDns, checkPage } from './user-path.js';
import { dropsPodmanInternalTraffic, PODMAN_FORWARD_DROP_MESSAGE, readHostFirewall } from '../engine/podman-firewall.js';

export interface UpOptions {
  /** The flavor asked for; by default the one the lab last ran with (see flavorFor). */
  flavor?: Flavor;
  /** The lab file's text, when it is not read from lab.source (a lab whose file is gone, from its project's copy). */
  labText?: string;
  /** Replace a docker-compose.yml edited by hand (kept beside as docker-compose.yml.edited). */
  force?: boolean;
  /** Ask the lab's DNS server for www and request the page once it is healthy (default); a check judges those itself. */
  verify?: boolean;
  /** Limits every container is held to (see ContainerLimits); kept by later renderings. */
  limits?: ContainerLimits;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface UpResult {
  lab: string;
  projectDir: string;
  projectName: string;
  flavor: Flavor;
  /** up: started or changed; unchanged: it was already up as the lab file says. */
  outcome: 'started' | 'updated' | 'unchanged';
  services: ServiceState[];
  endpoints: Endpoints;
  dns?: WwwAnswer;
  page?: { status: number; answeredBy?: string };
  ms: number;
}

/** Generate the lab's project, start it, wait until every service is ready, then check DNS and the page. */
export async function up(ctx: RunContext, labFile: Lab, options: UpOptions, progress: Progress): Promise<UpResult> {
  await ctx.runtime.ping();
  return lockLab(ctx, labFile.name, progress, () => upLocked(ctx, labFile, options, progress));
}

async function upLocked(ctx: RunContext, labFile: Lab, options: UpOptions, progress: Progress): Promise<UpResult> {
  const start = ctx.clock();
  const projectDir = projectDirOf(ctx.home, labFile.name);
  const previous = readInfo(projectDir);
  // Replica counts set with `infra-lab scale` stay until scaled again.
  const lab = withReplicas(labFile, previous?.replicas);
  const projectName = previous?.projectName ?? projectNameOf(ctx.home, lab.name);
  const source = path.resolve(lab.source);
  if (previous && previous.source !== source) progress({ kind: 'detail', text: `the lab ${lab.name} was last started from ${previous.source}; now from ${source}` });
  const before = serviceStates(lab, await projectContainers(ctx.runtime, projectName));
  const running = before.some((s) => s.containers.length > 0);
  const flavor = flavorFor(previous && { lab: lab.name, flavor: previous.flavor, state: running ? 'up' : 'down' }, options.flavor);

  // An engine that cannot run the lab is said before a build of images that could take minutes.
  const engine = await checkEngineFits(ctx, lab);
  await checkImages(ctx, flavor, lab.components.map((c) => imageFor(flavor, c.image)), progress);
  if (!previous || !hasEnv(projectDir)) await checkNoOrphanVolumes(ctx, projectName, projectDir, !!previous);
  const block = previous?.block ?? (await freeBlock(ctx, lab, projectName));
  const labText = options.labText ?? labTextOfCopy(fs.readFileSync(lab.source, 'utf8'));
  const generated = await saveProject(projectDir, labFile, labText, source, { flavor, projectName, block, replaceEdited: options.force, limits: options.limits, fixedMacs: engine.podman });
  const alreadyUp = before.every((s) => s.ready);
  if (alreadyUp && !generated.changed) {
    const containers = await projectContainers(ctx.runtime, projectName);
    return { lab: lab.name, projectDir, projectName, flavor, outcome: 'unchanged', services: before, endpoints: endpointsOf(lab, containers), ms: ctx.clock() - start };
  }

  // Nothing has been started yet: an interruption until here has nothing to remove.
  if (options.signal?.aborted) throw new ExitError(`interrupted before ${lab.name} was started; nothing to remove`, ExitCode.failed);
  progress({ kind: 'step', text: `starting ${lab.name} with ${await ctx.compose.describe()} in ${projectDir}` });
  try {
    await composeUpWatched(ctx, lab, projectDir, projectName, options, start);
    const services = await waitReady(ctx, lab, projectName, options, progress, start);
    const containers = await projectContainers(ctx.runtime, projectName);
    const endpoints = endpointsOf(lab, containers);
    const verify = options.verify ?? true;
    const dns = verify && endpoints.dns ? await checkDns(ctx, endpoints.dns, lab.domain, options.signal) : undefined;
    const page = verify ? await checkPage(ctx, lab, endpoints, projectDir, options.signal) : undefined;
    return { lab: lab.name, projectDir, projectName, flavor, outcome: previous && alreadyUp ? 'updated' : 'started', services, endpoints, dns, page, ms: ctx.clock() - start };
  } catch (err) {
    if (options.signal?.aborted) {
      progress({ kind: 'step', text: 'interrupted: removing the half-started lab (the database volume is kept)' });
      await removeHalfStarted(ctx, projectDir, projectName);
      throw new ExitError(`interrupted; the lab ${lab.name} was removed, its database volume kept (infra-lab down ${lab.name} --volumes deletes it)`, ExitCode.failed);
    }
    if (err instanceof ExitError && err.code === ExitCode.failed && !/interrupted/.test(err.message))
      throw new ExitError(`${err.message}\nthe lab is left as it is so you can look: infra-lab status ${lab.name}, infra-lab logs <component>; remove it with infra-lab down ${lab.name}`, err.code, { cause: err });
    throw err;
  }
}

/**
 * Removes what an interrupted compose up created. The engine finishes a create or start that compose
 * had sent before it was stopped, so a container may appear after compose down looked: remove
 * such stragglers by the project's label, then let compose remove the networks they held.
 */
async function removeHalfStarted(ctx: RunContext, projectDir: string, projectName: string): Promise<void> {
  await ctx.compose.down(projectDir, { volumes: false });
  const stragglers = await ctx.runtime.containers([`${COMPOSE_LABEL.project}=${projectName}`]);
  if (stragglers.length === 0) return;
  for (const c of stragglers) await ctx.runtime.remove(c.id);
  await ctx.compose.down(projectDir, { volumes: false });
}

/** How long a running container may go without one healthcheck before up says that the engine runs none. */
export const HEALTHCHECK_GRACE_MS = 30_000;

/**
 * compose up, watched: compose itself waits for healthy dependencies, so it would wait forever, with no
 * output, where the engine runs no healthchecks, and past any deadline. It is stopped with the cause.
 */
async function composeUpWatched(ctx: RunContext, lab: Lab, projectDir: string, projectName: string, options: UpOptions, start: number): Promise<void> {
  const stop = new AbortController();
  const forward = () => stop.abort();
  options.signal?.addEventListener('abort', forward);
  const timeoutMs = options.timeoutMs ?? TIMINGS.upTimeoutMs;
  let cause: ExitError | undefined;
  let finished = false;
  let wake = () => undefined as void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const watcher = (async () => {
    while (!finished) {
      await Promise.race([ctx.sleep(1000), woken]);
      if (finished) return;
      const states = serviceStates(lab, await projectContainers(ctx.runtime, projectName).catch(() => []));
      const silent = healthchecksNeverRun(states, ctx.clock(), HEALTHCHECK_GRACE_MS);
      if (silent.length)
        cause = environmentError(
          `the engine never ran the healthchecks of ${silent.join(', ')} in ${HEALTHCHECK_GRACE_MS / 1000} s, so compose waits forever: Podman 4 runs healthchecks from systemd timers, and there is no systemd here; run where systemd runs, or run podman healthcheck run <container> in a loop (infra-lab's scripts/podman-healthchecks.sh does)`,
        );
      else if (ctx.clock() - start >= timeoutMs)
        cause = failure(`the lab did not start within ${timeoutMs / 1000} s; still waiting for ${states.filter((x) => !x.ready).map((x) => `${x.component} (${x.summary})`).join(', ')}`);
      if (cause) return stop.abort();
    }
  })();
  try {
    await ctx.compose.up(projectDir, { signal: stop.signal });
  } catch (err) {
    throw cause ?? err;
  } finally {
    finished = true;
    wake();
    options.signal?.removeEventListener('abort', forward);
    await watcher;
  }
}

async function waitReady(ctx: RunContext, lab: Lab, projectName: string, options: UpOptions, progress: Progress, start: number): Promise<ServiceState[]> {
  const announced = new Set<string>();
  let last: ServiceState[] = [];
  const done = await waitUntil(
    async () => {
      last = serviceStates(lab, await projectContainers(ctx.runtime, projectName));
      for (const s of last)
        if (s.ready && !announced.has(s.component)) {
          announced.add(s.component);
          progress({ kind: 'done', text: `${s.component} ${s.summary}`, ms: ctx.clock() - start });
        }
      // A service in a crash loop will not get better by waiting.
      const crashing = last.find((s) => s.containers.some((c) => c.restartCount >= 3));
      if (crashing) return { failed: crashing };
      return last.every((s) => s.ready) ? { failed: undefined } : undefined;
    },
    { timeoutMs: options.timeoutMs ?? TIMINGS.upTimeoutMs, intervalMs: 100, clock: ctx.clock, sleep: ctx.sleep, signal: options.signal },
  );
  const bad = done?.failed ?? (done ? undefined : last.find((s) => !s.ready));
  if (bad) {
    const c = bad.containers[0];
    const why = c?.lastHealthOutput
      ? `; last healthcheck said: ${c.lastHealthOutput.split('\n').slice(-2).join(' ')}`
      : c && c.restartCount > 0
        ? `; it crashed ${c.restartCount} times, last exit code ${c.exitCode}`
        : '';
    throw failure(`${bad.component} did not become ready (${bad.summary})${why}`);
  }
  return last;
}

/**
 * Images must be there before compose runs (or a network fault's helper starts): nothing can be pulled offline. The debian flavor is
 * built here, so up builds what is missing or out of date itself (quick when all is up to date).
 */
export async function checkImages(ctx: RunContext, flavor: Flavor, images: string[], progress: Progress): Promise<void> {
  if (flavor === 'debian') {
    await buildDebianImages(ctx.runtime, { force: false, mirror: process.env.INFRA_LAB_DEBIAN_MIRROR }, progress);
    return;
  }
  const missing: string[] = [];
  for (const image of new Set(images))
    if (!(await ctx.runtime.imageLabels(image))) missing.push(image);
  if (missing.length === 0) return;
  // Pull here rather than inside compose: without a registry the pull fails, and we can say what works offline.
  // The engine's own words are kept: a rate limit or a typo in a mirror is not "offline".
  const unpullable: { image: string; why: string }[] = [];
  for (const image of missing) await ctx.runtime.pull(image).catch((err: unknown) => unpullable.push({ image, why: engineMessage(err) }));
  if (unpullable.length)
    throw environmentError(
      `${unpullable.map((u) => u.image).join(', ')}: not here and cannot be pulled (the engine said: ${unpullable[0].why}); run infra-lab images build and use --flavor debian`,
    );
}

/**
 * What Podman needs that Docker does not: Compose v2, since v1 fails every second `up` there ("IPAM
 * option driver has changed"); and, for a lab with an internal network, a host firewall that lets
 * that network's traffic through (see podman-firewall.ts). Only a local engine's host firewall is ours to read.
 */
async function checkEngineFits(ctx: RunContext, lab: Lab): Promise<{ podman: boolean }> {
  const compose = await ctx.compose.describe();
  const engine = await ctx.runtime.engine();
  if (!engine.podman) return engine;
  if (compose.startsWith('docker-compose '))
    throw environmentError(
      `${compose} (Compose v1) cannot run labs on Podman ${engine.version}: its second up fails ("IPAM option driver has changed"); install Compose v2 (docker compose) and set INFRA_LAB_COMPOSE=v2`,
    );
  const local = /^(\/|unix:\/\/)/.test(ctx.runtime.endpoint.address);
  if (local && lab.networks.some((n) => n.internal) && dropsPodmanInternalTraffic(await readHostFirewall())) throw environmentError(PODMAN_FORWARD_DROP_MESSAGE);
  return engine;
}

/** What the engine said about a failed request, on one line (dockerode puts it in json.message). */
function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return String(e.json?.message ?? e.message ?? err).replace(/\s+/g, ' ').trim();
}

/**
 * Volumes of an earlier project of the same name hold data whose passwords went with its folder
 * (or with its .env): new passwords would leave the database refusing the app.
 */
async function checkNoOrphanVolumes(ctx: RunContext, projectName: string, projectDir: string, envOnly: boolean): Promise<void> {
  const volumes = await ctx.runtime.volumes([`${COMPOSE_LABEL.project}=${projectName}`]);
  if (volumes.length && envOnly)
    throw environmentError(
      `${path.join(projectDir, '.env')} is gone, and with it the passwords of the database in the volumes ${volumes.join(', ')}; put the file back, or start with an empty database: infra-lab down ${path.basename(projectDir)} --volumes, then up`,
    );
  if (volumes.length)
    throw environmentError(
      `Docker still has the volumes ${volumes.join(', ')} of an earlier ${projectName} project whose folder (and database passwords) is gone; delete them with docker volume rm ${volumes.join(' ')}, or set INFRA_LAB_HOME to where that project lives`,
    );
}

/** The lab's network block, moved when another network (another lab, a VPN) already uses it. */
async function freeBlock(ctx: RunContext, lab: Lab, projectName: string): Promise<string> {
  const taken = (await ctx.runtime.networks()).filter((n) => n.project !== projectName).flatMap((n) => n.subnets);
  for (let attempt = 0; attempt < 32; attempt++) {
    const block = blockFor(projectName, attempt);
    const subnets = Object.values(addressLab(lab, block).networks).map((n) => n.subnet);
    if (!subnets.some((s) => taken.some((t) => overlaps(s, t)))) return block;
  }
  throw environmentError('no free address block for the lab networks in 10.96.0.0/9; remove unused Docker networks (docker network prune)');
}
