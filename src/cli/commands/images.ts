import { FLAVORS, type Flavor } from '../../render/flavors.js';
import type { RunContext } from '../../run/context.js';
import { buildDebianImages, imageStatus } from '../../run/images.js';
import { usageError } from '../../errors.js';
import { progressPrinter } from '../progress.js';
import { seconds, table, type Output } from '../output.js';

export interface ImagesBuildOptions {
  flavor: Flavor;
  force?: boolean;
  base?: string;
  json?: boolean;
  verbose?: boolean;
}

/** `infra-lab images build`: the debian flavor's images, from Debian packages, with no registry. */
export async function imagesBuildCommand(options: ImagesBuildOptions, ctx: RunContext, output: Output): Promise<void> {
  if (options.flavor !== 'debian') throw usageError('only the debian flavor is built here; the official images come from Docker Hub (docker compose pull)');
  await ctx.runtime.ping();
  const start = ctx.clock();
  const r = await buildDebianImages(ctx.runtime, { force: !!options.force, base: options.base, mirror: process.env.INFRA_LAB_DEBIAN_MIRROR }, progressPrinter(output, !!options.verbose));
  const ms = ctx.clock() - start;
  if (options.json) {
    output.out(JSON.stringify({ ...r, ms }, null, 2));
    return;
  }
  output.out(`Built ${r.built.length} image(s), ${r.skipped.length} already up to date, in ${seconds(ms)}.`);
  if (r.skipped.length && !r.built.length) output.out('Nothing to do: infra-lab images build --force rebuilds them all.');
}

/** `infra-lab images list`: per flavor, the images a lab needs and whether they are here. */
export async function imagesListCommand(options: { json?: boolean }, ctx: RunContext, output: Output): Promise<void> {
  await ctx.runtime.ping();
  const list = await imageStatus(ctx.runtime, [...FLAVORS]);
  if (options.json) {
    output.out(JSON.stringify(list, null, 2));
    return;
  }
  const rows = list.map((i) => [i.flavor, i.role, i.image, i.present ? (i.upToDate === false ? 'outdated' : 'present') : 'missing']);
  for (const line of table(['FLAVOR', 'ROLE', 'IMAGE', 'STATE'], rows)) output.out(line);
  if (list.some((i) => i.flavor === 'debian' && (!i.present || i.upToDate === false))) output.out('\nBuild the debian images with: infra-lab images build');
}
