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
import { BASE_HASH, HASH_LABEL } from '../../src/run/images.js';
import { DEBIAN_BASE_IMAGE, debianImage } from '../../src/render/flavors.js';
import { ROLES } from '../../src/lab/model.js';

// A runtime with no images and no registry: every pull fails, as offline.
const offlineRuntime = (): Runtime =>
  stubRuntime({
    ping: async () => undefined,
    volumes: async () => [],
    imageLabels: async () => undefined,
    pull: async (ref) => {
      throw new Error(`Get "https://registry/v2/${ref}": dial tcp: lookup registry: no such host`);
    },
  });

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
