import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveLab } from '../../src/lab/load.js';
import { HEALTHCHECK_GRACE_MS, up } from '../../src/run/up.js';
import { silent } from '../../src/run/events.js';
import { MissingCompose } from '../../src/engine/compose.js';
import type { ContainerInfo, Runtime } from '../../src/engine/runtime.js';
import type { RunContext } from '../../src/run/context.js';
import { stubRuntime } from '../helpers/stub-runtime.js';
import { ExitCode, ExitError } from '../../src/errors.js';
import { BASE_HASH, contextHash, HASH_LABEL } from '../../src/run/images.js';
import { DEBIAN_BASE_IMAGE, debianImage, IMAGE_KINDS } from '../../src/render/flavors.js';
import { projectDirOf } from '../../src/project/project.js';
import { saveProject } from '../../src/project/save.js';
import { projectNameOf } from '../../src/run/context.js';

// A runtime with no images and no registry: every pull fails, as offline.
const offlineRuntime = (): Runtime =>
  stubRuntime({
    ping: async () => undefined,
    containers: async () => [],
    volumes: async () => [],
    imageLabels: async () => undefined,
    pull: async (ref) => {
      throw new Error(`Get "https://registry/v2/${ref}": dial tcp: lookup registry: no such host`);
    },
  });

// The labels of debian images built from the current templates: up finds nothing to build.
const roleOfImage = Object.fromEntries(IMAGE_KINDS.map((r) => [debianImage(r), r]));
const upToDateImage = async (ref: string) => ({ [HASH_LABEL]: ref === DEBIAN_BASE_IMAGE ? BASE_HASH : contextHash(roleOfImage[ref], BASE_HASH) });

const context = (): RunContext => ({
  runtime: offlineRuntime(),
  compose: new MissingCompose(),
  home: fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-unit-')),
  clock: Date.now,
  sleep: async () => undefined,
});

async function upError(flavor: 'official' | 'debian'): Promise<ExitError> {
  const ctx = context();
  try {
    await up(ctx, resolveLab('single-server'), { flavor }, silent);
  } catch (err) {
    // Nothing was generated: the check comes before any file is written.
    expect(fs.existsSync(path.join(ctx.home, 'labs'))).toBe(false);
    return err as ExitError;
  }
  throw new Error('up did not fail');
}

test('official images that cannot be pulled: exit 3, pointing to images build and --flavor debian', async () => {
  const err = await upError('official');
  expect(err.code).toBe(ExitCode.environment);
  expect(err.message).toBe(
    'coredns/coredns:1.12.0, nginx:1.27.4, node:22.14.0-bookworm-slim, mysql:8.4.4: not here and cannot be pulled (the engine said: Get "https://registry/v2/coredns/coredns:1.12.0": dial tcp: lookup registry: no such host); run infra-lab images build and use --flavor debian',
  );
});

test('missing debian images: up builds them itself, with progress, before it starts anything', async () => {
  const built: Record<string, Record<string, string>> = { [DEBIAN_BASE_IMAGE]: { [HASH_LABEL]: BASE_HASH } };
  const steps: string[] = [];
  const ctx: RunContext = {
    ...context(),
    runtime: stubRuntime({
      ping: async () => undefined,
      volumes: async () => [],
      networks: async () => [],
      containers: async () => [],
      imageLabels: async (ref) => built[ref],
      buildImage: async (_dir, _files, tag, options) => {
        built[tag] = options.labels;
      },
    }),
  };
  const err = await up(ctx, resolveLab('single-server'), { flavor: 'debian' }, (e) => {
    if (e.kind === 'step') steps.push(e.text);
  }).catch((e: ExitError) => e);
  // Every image of the flavor (each role's, and the network fault helper) was built from its Dockerfile, announced as a step; then compose was asked for (none here).
  expect(Object.keys(built).sort()).toEqual([DEBIAN_BASE_IMAGE, ...IMAGE_KINDS.map(debianImage)].sort());
  expect(steps.filter((s) => s.includes('Dockerfile'))).toHaveLength(IMAGE_KINDS.length);
  expect((err as ExitError).code).toBe(ExitCode.environment);
  expect((err as ExitError).message).toContain('neither `docker compose` (v2) nor `docker-compose` (v1) was found');
});

test('.env deleted while the database volume exists: exit 3 with the reason, and nothing is written', async () => {
  const ctx = context();
  const lab = resolveLab('single-server');
  const dir = projectDirOf(ctx.home, lab.name);
  await saveProject(dir, lab, fs.readFileSync(lab.source, 'utf8'), lab.source, { flavor: 'debian', projectName: projectNameOf(ctx.home, lab.name) });
  fs.rmSync(path.join(dir, '.env'));
  const before = fs.readdirSync(dir).sort();
  ctx.runtime = stubRuntime({
    ping: async () => undefined,
    containers: async () => [],
    imageLabels: upToDateImage,
    volumes: async () => [`${projectNameOf(ctx.home, lab.name)}_db-data`],
  });
  const err = await up(ctx, lab, {}, silent).then(
    () => undefined,
    (e: ExitError) => e,
  );
  expect(err?.code).toBe(ExitCode.environment);
  expect(err?.message).toMatch(/\.env is gone, and with it the passwords of the database in the volumes .*_db-data; put the file back, or start with an empty database: infra-lab down single-server --volumes/);
  expect(fs.readdirSync(dir).sort()).toEqual(before);
});

test("a refused pull keeps the engine's message: a rate limit is not reported as offline", async () => {
  const ctx = context();
  ctx.runtime = stubRuntime({
    ping: async () => undefined,
    volumes: async () => [],
    containers: async () => [],
    imageLabels: async () => undefined,
    pull: async () => {
      throw Object.assign(new Error('(HTTP code 500) server error'), { json: { message: 'toomanyrequests: You have reached your pull rate limit.\nYou may increase the limit by authenticating' } });
    },
  });
  const err = await up(ctx, resolveLab('single-server'), { flavor: 'official' }, silent).then(
    () => undefined,
    (e: ExitError) => e,
  );
  expect(err?.code).toBe(ExitCode.environment);
  expect(err?.message).toContain('(the engine said: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating)');
});

test('Compose v1 on Podman is refused before anything is written: exit 3, asking for v2', async () => {
  const ctx = context();
  ctx.runtime = stubRuntime({
    ping: async () => undefined,
    volumes: async () => [],
    containers: async () => [],
    imageLabels: upToDateImage,
    engine: async () => ({ name: 'Podman', version: '4.3.1', podman: true }),
  });
  ctx.compose = { describe: async () => 'docker-compose 1.29.2' } as unknown as RunContext['compose'];
  const err = await up(ctx, resolveLab('single-server'), { flavor: 'debian' }, silent).then(
    () => undefined,
    (e: ExitError) => e,
  );
  expect(err?.code).toBe(ExitCode.environment);
  expect(err?.message).toMatch(/^docker-compose 1\.29\.2 \(Compose v1\) cannot run labs on Podman 4\.3\.1: .*set INFRA_LAB_COMPOSE=v2$/);
  expect(fs.existsSync(path.join(ctx.home, 'labs'))).toBe(false);
});

describe('compose up that never ends', () => {
  // An engine with the images, and a compose whose up waits until it is stopped, as compose does for
  // a dependency that never becomes healthy.
  const hangingContext = (containers: () => ContainerInfo[]) => {
    const ctx = context();
    let now = 0;
    ctx.clock = () => now;
    ctx.sleep = async (ms) => {
      now += ms;
      await new Promise((r) => setImmediate(r));
    };
    ctx.runtime = stubRuntime({
      ping: async () => undefined,
      volumes: async () => [],
      networks: async () => [],
      imageLabels: upToDateImage,
      containers: async () => containers(),
    });
    const stopped: string[] = [];
    ctx.compose = {
      describe: async () => 'docker compose 2.26.1',
      up: (_dir: string, options: { signal?: AbortSignal }) =>
        new Promise<void>((_resolve, reject) =>
          options.signal?.addEventListener('abort', () => {
            stopped.push('up');
            reject(new ExitError('docker compose up was interrupted', ExitCode.failed));
          }),
        ),
    } as unknown as RunContext['compose'];
    return { ctx, stopped, at: () => now };
  };
  const container = (service: string, over: Partial<ContainerInfo>): ContainerInfo => ({
    id: service, name: service, labels: {}, project: 'p', service, state: 'running', exitCode: 0, restartCount: 0, ports: [], networks: {}, startedAt: new Date(0), ...over,
  });

  test('healthchecks that never run (Podman without systemd): exit 3 naming the cause, after the grace time', async () => {
    const { ctx, stopped, at } = hangingContext(() => [container('db', { health: 'starting', healthChecksRun: 0 }), container('dns', { health: 'starting', healthChecksRun: 0 })]);
    const err = await up(ctx, resolveLab('single-server'), { flavor: 'debian' }, silent).then(() => undefined, (e: ExitError) => e);
    expect(err?.code).toBe(ExitCode.environment);
    expect(err?.message).toMatch(/^the engine never ran the healthchecks of dns, db in 30 s, so compose waits forever: Podman 4 runs healthchecks from systemd timers/);
    expect(stopped).toEqual(['up']);
    expect(at()).toBeGreaterThanOrEqual(HEALTHCHECK_GRACE_MS);
    expect(at()).toBeLessThan(HEALTHCHECK_GRACE_MS + 5000);
  });

  test('healthchecks that run but never pass: stopped at the time limit, naming what it waited for', async () => {
    const { ctx } = hangingContext(() => [container('db', { health: 'starting', healthChecksRun: 5 })]);
    const err = await up(ctx, resolveLab('single-server'), { flavor: 'debian', timeoutMs: 60_000 }, silent).then(() => undefined, (e: ExitError) => e);
    expect(err?.code).toBe(ExitCode.failed);
    expect(err?.message).toMatch(/^the lab did not start within 60 s; still waiting for dns \(missing\), web \(missing\), app \(missing\), db \(starting\)/);
  });
});
