import fs from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lab/model.js';
import { failure, usageError } from '../errors.js';
import { appBundle, probeBundle } from '../paths.js';
import { blockFor } from '../render/addresses.js';
import type { Flavor } from '../render/flavors.js';
import { COMPOSE_FILE, hashText, renderLabProject, type ProjectInfo, type RenderLabInput } from '../render/generate.js';
import type { ContainerLimits, ProjectFile } from '../render/project.js';
import { hasCertificate, readEnv, readInfo, type Project } from './project.js';
import { checkProjectTarget } from './target.js';

export interface SaveOptions {
  flavor: Flavor;
  projectName?: string;
  /** Network block; by default the one the project already has, else one derived from its name. */
  block?: string;
  /** Replica counts that differ from the lab file; by default those the project already has. */
  replicas?: Record<string, number>;
  /** Limits of every container; by default those the project already has. */
  limits?: ContainerLimits;
  /** Fixed MAC addresses (for Podman); by default as the project already has. */
  fixedMacs?: boolean;
  versions?: Record<string, string>;
  routing?: RenderLabInput['routing'];
  /** Replace a docker-compose.yml edited by hand (it is kept beside as docker-compose.yml.edited). */
  replaceEdited?: boolean;
  now?: Date;
}

export interface SaveResult {
  info: ProjectInfo;
  /** The lab's project differs from what the folder held (always true for a new project). */
  changed: boolean;
  files: string[];
}

export const EDITED_COPY = `${COMPOSE_FILE}.edited`;

/**
 * Renders a lab into the project folder `dir`, new or infra-lab's own (any other non-empty folder
 * is refused, so nothing a user stored is overwritten). The lab's text and source are given, so
 * that rendering a project again from its own copy changes nothing.
 *
 * No error leaves a partial project: everything is rendered in memory, then written into a folder
 * beside the target. A new project is that folder renamed into place. An existing one keeps its
 * secrets, certificate, state and reports, and its files are then updated in place from the staged
 * copy: the running containers hold bind mounts of those very files (nginx reloads its
 * configuration from them during a deploy), and a renamed folder would leave them the old ones.
 */
export async function saveProject(dir: string, lab: Lab, labText: string, source: string, options: SaveOptions): Promise<SaveResult> {
  dir = path.resolve(dir);
  checkProjectTarget(dir);
  const exists = fs.existsSync(dir);
  const previous = exists ? readInfo(dir) : undefined;
  if (exists && !previous && fs.readdirSync(dir).length > 0)
    throw usageError(`${dir} is not empty and was not made by infra-lab; choose an empty or new folder with -o`);
  for (const bundle of [appBundle, probeBundle]) if (!fs.existsSync(bundle)) throw usageError(`${bundle} is missing; run npm run build`);
  const edited = previous ? editedCompose(dir, previous) : false;
  if (edited && !options.replaceEdited)
    throw usageError(
      `${path.join(dir, COMPOSE_FILE)} was edited since infra-lab wrote it, and rendering the lab again would replace it; put the change in the lab file, or run infra-lab up ${previous!.lab} --force (your file is kept as ${EDITED_COPY})`,
    );

  const projectName = options.projectName ?? previous?.projectName ?? `infra-lab-${lab.name}`;
  const block = options.block ?? previous?.block ?? blockFor(projectName);
  const { files, info } = await renderLabProject({
    lab,
    labText,
    source,
    flavor: options.flavor,
    projectName,
    block,
    existingEnv: previous ? readEnv(dir) : {},
    hasCertificate: !!previous && hasCertificate(dir),
    replicas: options.replicas ?? previous?.replicas,
    limits: options.limits ?? previous?.limits,
    fixedMacs: options.fixedMacs ?? previous?.fixedMacs,
    versions: options.versions,
    routing: options.routing,
    appServer: fs.readFileSync(appBundle, 'utf8'),
    probe: fs.readFileSync(probeBundle, 'utf8'),
    now: options.now ?? new Date(),
  });

  if (edited) fs.copyFileSync(path.join(dir, COMPOSE_FILE), path.join(dir, EDITED_COPY));
  writeProjectFiles(dir, files, !!previous);
  const changed = !previous || previous.contentHash !== info.contentHash || previous.flavor !== options.flavor;
  return { info, changed, files: files.map((f) => f.path) };
}

/** Renders the project of an opened project again, from its own lab: only what `changes` says differs. */
export function saveAgain(project: Project, changes: Omit<SaveOptions, 'flavor'>): Promise<SaveResult> {
  return saveProject(project.dir, project.lab, project.labText, project.info.source, { flavor: project.info.flavor, ...changes });
}

/**
 * Writes a rendered project: staged in a folder beside `dir` first, so that an error (a name too
 * long, a full disk) leaves neither a partial project nor the staging folder. A new project is the
 * staged folder renamed into place; an existing one gets its files from it (see saveProject).
 */
export function writeProjectFiles(dir: string, files: ProjectFile[], existing: boolean): void {
  const staging = stage(dir, files);
  try {
    if (!existing) {
      if (fs.existsSync(dir)) fs.rmdirSync(dir);
      fs.renameSync(staging, dir);
    } else for (const f of files) commitFile(staging, dir, f);
  } catch (err) {
    throw failure(`could not write the project ${dir}: ${(err as Error).message}`, err);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Has docker-compose.yml changed since infra-lab wrote it? Projects of older versions recorded no hash: not known, not refused. */
function editedCompose(dir: string, info: ProjectInfo): boolean {
  if (!info.composeHash) return false;
  const file = path.join(dir, COMPOSE_FILE);
  return !fs.existsSync(file) || hashText(fs.readFileSync(file, 'utf8')) !== info.composeHash;
}

/** Writes every file into a new folder beside `dir` (same filesystem, so it can be renamed); removes it on any error. */
function stage(dir: string, files: ProjectFile[]): string {
  const parent = path.dirname(dir);
  const createdParent = fs.mkdirSync(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(dir).slice(0, 32)}.infra-lab-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(staging);
    fs.chmodSync(staging, 0o755);
    for (const f of files) {
      const target = path.join(staging, f.path);
      makeFolders(staging, path.dirname(target));
      fs.writeFileSync(target, f.content, { mode: f.mode ?? 0o644 });
      fs.chmodSync(target, f.mode ?? 0o644);
    }
    return staging;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (createdParent) fs.rmSync(createdParent, { recursive: true, force: true });
    throw failure(`could not write the project ${dir}: ${(err as Error).message}; nothing was written`, err);
  }
}

/** Puts one staged file into the project: in place when it exists (same inode, as bind mounts need), else moved in. */
function commitFile(staging: string, dir: string, f: ProjectFile): void {
  const from = path.join(staging, f.path);
  const to = path.join(dir, f.path);
  // A link planted in a project folder is never written through (README.md -> a file of someone's): the staged file replaces the link itself.
  if (fs.lstatSync(to, { throwIfNoEntry: false })?.isSymbolicLink()) fs.rmSync(to);
  const folder = fs.existsSync(path.dirname(to)) ? fs.realpathSync(path.dirname(to)) : undefined;
  const root = fs.realpathSync(dir);
  if (folder && folder !== root && !folder.startsWith(`${root}${path.sep}`))
    throw usageError(`${path.dirname(to)} is a link out of the project folder ${dir}; infra-lab does not write through links: remove it and generate again`);
  if (fs.existsSync(to) && fs.statSync(to).isFile()) {
    if (fs.readFileSync(to, 'utf8') !== f.content) fs.writeFileSync(to, f.content);
    fs.chmodSync(to, f.mode ?? 0o644);
    return;
  }
  makeFolders(dir, path.dirname(to));
  fs.renameSync(from, to);
}

/**
 * Creates `folder` and the folders between `root` and it, readable by all whatever the umask:
 * they are mounted into containers that run as other users (CoreDNS runs as nonroot).
 */
function makeFolders(root: string, folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  for (let f = folder; f.length > root.length; f = path.dirname(f)) fs.chmodSync(f, 0o755);
}
