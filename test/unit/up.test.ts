import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveLab } from '../../src/lab/load.js';
import { up } from '../../src/run/up.js';
import { silent } from '../../src/run/events.js';
import { MissingCompose } from '../../src/engine/compose.js';
import type { Runtime } from '../../src/engine/runtime.js';
import type { RunContext } from '../../src/run/context.js';
import { stubRuntime } from '../helpers/stub-runtime.js';
import { ExitCode, ExitError } from '../../src/errors.js';
import { BASE_HASH, contextHash, HASH_LABEL } from '../../src/run/images.js';
import { DEBIAN_BASE_IMAGE, debianImage } from '../../src/render/flavors.js';
import { ROLES } from '../../src/lab/model.js';
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
const roleOfImage = Object.fromEntries(ROLES.map((r) => [debianImage(r), r]));
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
    'coredns/coredns:1.12.0, nginx:1.27.4, node:22.14.0-bookworm-slim, mysql:8.4.4: not here and cannot be pulled (offline, or no registry reachable); run infra-lab images build and use --flavor debian',
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
  // Every role's image was built from its Dockerfile, announced as a step; then compose was asked for (none here).
  expect(Object.keys(built).sort()).toEqual([DEBIAN_BASE_IMAGE, ...ROLES.map(debianImage)].sort());
  expect(steps.filter((s) => s.includes('Dockerfile'))).toHaveLength(ROLES.length);
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
