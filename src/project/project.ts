import fs from 'node:fs';
import path from 'node:path';
import type { Lab } from '../lab/model.js';
import { parseLab } from '../lab/load.js';
import { usageError } from '../errors.js';
import type { Fault } from '../faults/faults.js';
import { ENV_FILE, INFO_FILE, LAB_COPY, labTextOfCopy, withReplicas, type ProjectInfo } from '../render/generate.js';
import { parseEnvFile } from '../render/secrets.js';
import { TLS_FILES } from '../render/project.js';

/**
 * The one owner of a generated project folder: what infra-lab recorded about it (infra-lab.json),
 * the lab it runs (lab.yaml, read once when the project is opened), its secrets (.env), the
 * breaks in force (faults.json) and reports. Writing the project is save.ts.
 */
export interface Project {
  dir: string;
  info: ProjectInfo;
  /** The lab as the project runs it: its copy of the lab file, with the replica counts `scale` set. */
  lab: Lab;
  /** The lab file's own text (without the copy's header), to render the project again unchanged. */
  labText: string;
}

export const FAULTS_FILE = 'faults.json';
export const projectDirOf = (home: string, lab: string) => path.join(home, 'labs', lab);

/** A state file that cannot be read: one line naming it, and the way out. */
const damaged = (file: string, why: string, wayOut: string) => usageError(`${file} is damaged (${why}); ${wayOut}`);

function readJson<T>(file: string, wayOut: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw damaged(file, (err as Error).message, wayOut);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw damaged(file, `not JSON: ${(err as Error).message}`, wayOut);
  }
}

const infoWayOut = (dir: string) => `infra-lab down ${path.basename(dir)} still removes the lab; then delete ${dir} and start it again`;

/** What infra-lab recorded about the project in `dir`; undefined when the folder holds no project of infra-lab's. */
export function readInfo(dir: string): ProjectInfo | undefined {
  const file = path.join(dir, INFO_FILE);
  const info = readJson<ProjectInfo>(file, infoWayOut(dir));
  if (info === undefined) return undefined;
  for (const key of ['lab', 'projectName', 'flavor', 'block'] as const)
    if (typeof info?.[key] !== 'string') throw damaged(file, `no ${key}`, infoWayOut(dir));
  return info;
}

/** Opens the project in `dir`: its record and its lab, each read once. */
export function openProject(dir: string): Project {
  const info = readInfo(dir);
  if (!info) throw usageError(`${dir} holds no project of infra-lab's (no ${INFO_FILE})`);
  const copy = path.join(dir, LAB_COPY);
  let text: string;
  try {
    text = fs.readFileSync(copy, 'utf8');
  } catch (err) {
    throw damaged(copy, (err as Error).message, infoWayOut(dir));
  }
  const lab = parseLab(text, copy);
  return { dir, info, lab: withReplicas({ ...lab, source: info.source }, info.replicas), labText: labTextOfCopy(text) };
}

/** Projects infra-lab has generated under its home. A damaged one is listed by its folder name, so that it can still be taken down. */
export function knownProjects(home: string): { name: string; dir: string; info?: ProjectInfo; error?: Error }[] {
  const root = path.join(home, 'labs');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => {
      const dir = path.join(root, e.name);
      try {
        const info = readInfo(dir);
        return info ? { name: info.lab, dir, info } : undefined;
      } catch (err) {
        return { name: e.name, dir, error: err as Error };
      }
    })
    .filter((p): p is NonNullable<typeof p> => !!p);
}

/** The project's .env: its secrets and the versions of its app code; empty when there is none. */
export function readEnv(dir: string): Record<string, string> {
  const file = path.join(dir, ENV_FILE);
  return fs.existsSync(file) ? parseEnvFile(fs.readFileSync(file, 'utf8')) : {};
}

export const hasEnv = (dir: string) => fs.existsSync(path.join(dir, ENV_FILE));

/** The lab's certificate (where its load balancer terminates TLS), for clients to trust. */
export function readLabCa(dir: string): string | undefined {
  const file = path.join(dir, 'tls', TLS_FILES.cert);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

export const hasCertificate = (dir: string) => fs.existsSync(path.join(dir, 'tls', TLS_FILES.pem));

/** The breaks in force in the lab, recorded so that heal can undo them. */
export function readFaults(dir: string): Fault[] {
  const file = path.join(dir, FAULTS_FILE);
  const faults = readJson<Fault[]>(
    file,
    `infra-lab heal --all cannot know what was broken: delete ${file}, then infra-lab down ${path.basename(dir)} and up again to start clean`,
  );
  if (faults !== undefined && !Array.isArray(faults)) throw damaged(file, 'not a list of breaks', `delete ${file}, then infra-lab down and up again`);
  return faults ?? [];
}

export function writeFaults(dir: string, faults: Fault[]): void {
  const file = path.join(dir, FAULTS_FILE);
  if (faults.length === 0) fs.rmSync(file, { force: true });
  else writeFileAtomically(file, `${JSON.stringify(faults, null, 2)}\n`);
}

/** Writes a state file beside, then renames it into place: a reader never sees half of it. */
export function writeFileAtomically(file: string, content: string, mode = 0o644): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content, { mode });
  fs.renameSync(temp, file);
}

/** Writes an experiment's report as JSON and Markdown into the project's reports/; returns the two paths. */
export function saveReport(dir: string, name: string, startedAt: number, json: unknown, markdown: string): { json: string; markdown: string } {
  const reports = path.join(dir, 'reports');
  fs.mkdirSync(reports, { recursive: true });
  const stamp = new Date(startedAt).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = path.join(reports, `${name}-${stamp}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, markdown);
  return { json: `${base}.json`, markdown: `${base}.md` };
}
