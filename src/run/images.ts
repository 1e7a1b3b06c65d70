import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { DEBIAN_BASE_IMAGE, debianImage, IMAGE_KINDS, OFFICIAL_IMAGES, type Flavor, type ImageKind } from '../render/flavors.js';
import { templatesDir } from '../paths.js';
import { environmentError, failure } from '../errors.js';
import type { Runtime } from '../engine/runtime.js';
import { timed, type Progress } from './events.js';

export const HASH_LABEL = 'dev.infra-lab.content-hash';
const SUITE = 'bookworm';

export interface ImageStatus {
  flavor: Flavor;
  role: ImageKind | 'base';
  image: string;
  present: boolean;
  /** For images infra-lab builds: present and built from the current templates. */
  upToDate?: boolean;
}

const imageDir = (role: ImageKind) => path.join(templatesDir, 'images', role);
const filesOf = (dir: string) => fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();

/** Hash of a role's build context and the base it builds on: a change in either rebuilds it. */
export function contextHash(role: ImageKind, baseHash: string): string {
  const h = createHash('sha256').update(baseHash);
  for (const f of filesOf(imageDir(role))) h.update(f).update('\0').update(fs.readFileSync(path.join(imageDir(role), f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** The base is a minimal debootstrap of Debian; its recipe is all that identifies it. */
export const BASE_HASH = createHash('sha256').update(`debootstrap --variant=minbase ${SUITE}; apt caches removed`).digest('hex').slice(0, 16);

export async function imageStatus(runtime: Runtime, flavors: Flavor[]): Promise<ImageStatus[]> {
  const out: ImageStatus[] = [];
  for (const flavor of flavors) {
    if (flavor === 'official') {
      for (const role of IMAGE_KINDS) out.push({ flavor, role, image: OFFICIAL_IMAGES[role], present: !!(await runtime.imageLabels(OFFICIAL_IMAGES[role])) });
      continue;
    }
    const base = await runtime.imageLabels(DEBIAN_BASE_IMAGE);
    const baseHash = base?.[HASH_LABEL] ?? BASE_HASH;
    out.push({ flavor, role: 'base', image: DEBIAN_BASE_IMAGE, present: !!base, upToDate: base?.[HASH_LABEL] === BASE_HASH });
    for (const role of IMAGE_KINDS) {
      const labels = await runtime.imageLabels(debianImage(role));
      out.push({ flavor, role, image: debianImage(role), present: !!labels, upToDate: labels?.[HASH_LABEL] === contextHash(role, baseHash) });
    }
  }
  return out;
}

export interface BuildOptions {
  force: boolean;
  /** Use this existing image as the base instead of a debootstrap (e.g. debian:bookworm-slim where a registry is reachable). */
  base?: string;
  mirror?: string;
}

/** Builds the debian flavor's images: base by debootstrap, then one Dockerfile per role. Skips what is up to date. */
export async function buildDebianImages(runtime: Runtime, options: BuildOptions, progress: Progress): Promise<{ built: string[]; skipped: string[] }> {
  const built: string[] = [];
  const skipped: string[] = [];
  let baseRef = DEBIAN_BASE_IMAGE;
  let baseHash = BASE_HASH;
  if (options.base) {
    const labels = await runtime.imageLabels(options.base);
    if (!labels) throw environmentError(`the base image ${options.base} is not present; pull it first, or leave out --base to build one with debootstrap`);
    baseRef = options.base;
    baseHash = createHash('sha256').update(`base ${options.base}`).digest('hex').slice(0, 16);
  } else {
    const labels = await runtime.imageLabels(DEBIAN_BASE_IMAGE);
    if (!options.force && labels?.[HASH_LABEL] === BASE_HASH) skipped.push(DEBIAN_BASE_IMAGE);
    else {
      await timed(progress, `${DEBIAN_BASE_IMAGE}: debootstrap --variant=minbase ${SUITE}, then import`, () => buildBase(runtime, options.mirror, progress));
      built.push(DEBIAN_BASE_IMAGE);
    }
  }
  for (const role of IMAGE_KINDS) {
    const tag = debianImage(role);
    const hash = contextHash(role, baseHash);
    const labels = await runtime.imageLabels(tag);
    if (!options.force && labels?.[HASH_LABEL] === hash) {
      skipped.push(tag);
      continue;
    }
    await timed(progress, `${tag}: ${path.relative(templatesDir, imageDir(role))}/Dockerfile`, async () => {
      try {
        await runtime.buildImage(imageDir(role), filesOf(imageDir(role)), tag, { buildArgs: { BASE: baseRef }, labels: { [HASH_LABEL]: hash } }, (line) =>
          progress({ kind: 'detail', text: line }),
        );
      } catch (err) {
        throw failure(`building ${tag} failed: ${(err as Error).message}`, err);
      }
    });
    built.push(tag);
  }
  return { built, skipped };
}

async function buildBase(runtime: Runtime, mirror: string | undefined, progress: Progress): Promise<void> {
  const which = await execa('debootstrap', ['--version'], { reject: false });
  if ((which as { code?: string }).code === 'ENOENT')
    throw environmentError('debootstrap is not installed; on Debian or Ubuntu: apt-get install debootstrap (as root). Elsewhere, pull debian:bookworm-slim and pass --base debian:bookworm-slim');
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    throw environmentError('debootstrap must run as root (try sudo), or pass --base with an existing Debian bookworm image');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-rootfs-'));
  try {
    const args = ['--variant=minbase', SUITE, dir, ...(mirror ? [mirror] : [])];
    const run = execa('debootstrap', args, { reject: false, all: true });
    run.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) progress({ kind: 'detail', text: line.trim() });
    });
    const r = await run;
    if (r.exitCode !== 0) throw environmentError(`debootstrap failed (exit ${r.exitCode}); is Debian's package mirror reachable? Last output:\n  ${String(r.all).split('\n').slice(-3).join('\n  ')}`);
    // Every image runs apt-get update itself: the package cache of the bootstrap is dead weight.
    for (const sub of ['var/cache/apt', 'var/lib/apt/lists']) {
      fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, sub, sub.endsWith('lists') ? 'partial' : 'archives/partial'), { recursive: true });
    }
    const tar = execa('tar', ['-C', dir, '-c', '.'], { buffer: false });
    await runtime.importImage(tar.stdout!, DEBIAN_BASE_IMAGE, { [HASH_LABEL]: BASE_HASH });
    await tar;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
