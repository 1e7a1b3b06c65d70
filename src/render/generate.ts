import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Lab } from '../lab/model.js';
import { usageError } from '../errors.js';
import { appBundle, probeBundle } from '../paths.js';
import { VERSION } from '../version.js';
import { blockFor } from './addresses.js';
import type { Flavor } from './flavors.js';
import { renderProject, stableContent, type ProjectFile, type RenderInput } from './project.js';
import { formatEnvFile, parseEnvFile, projectEnv } from './secrets.js';
import { generateCertificate } from './tls.js';

/** What infra-lab records about a project it generated (infra-lab.json in the project folder). */
export interface ProjectInfo {
  lab: string;
  title: string;
  source: string;
  flavor: Flavor;
  projectName: string;
  block: string;
  /** Hash of everything rendered except secrets and the zone serial: tells whether the lab changed. */
  contentHash: string;
  generatedBy: string;
  /** Replica counts set with `infra-lab scale`, which later renderings keep. */
  replicas?: Record<string, number>;
}

export const INFO_FILE = 'infra-lab.json';
/** The probe that infra-lab runs beside the lab (watch, experiment). */
export const PROBE_FILE = 'probe/probe.cjs';
/** The project keeps a copy of its lab file, so that it stands on its own. */
export const LAB_COPY = 'lab.yaml';

export interface GenerateOptions {
  outDir: string;
  flavor: Flavor;
  projectName?: string;
  /** Network block; by default the one the project already has, else one derived from its name. */
  block?: string;
  /** Replica counts that differ from the lab file; by default those the project already has. */
  replicas?: Record<string, number>;
  /** New code versions of app components (others keep theirs). */
  versions?: Record<string, string>;
  /** Transient routing of the web servers during a deploy (see RenderInput.routing). */
  routing?: RenderInput['routing'];
  now?: Date;
}

export const defaultProjectName = (lab: Lab) => `infra-lab-${lab.name}`;

/** The lab with the replica counts `infra-lab scale` set. */
export const withReplicas = (lab: Lab, replicas: Record<string, number> | undefined): Lab =>
  replicas ? { ...lab, components: lab.components.map((c) => (replicas[c.name] ? { ...c, replicas: replicas[c.name] } : c)) } : lab;

/** The lab's certificate (where its load balancer terminates TLS), for clients to trust. */
export function readLabCa(projectDir: string, domain: string): string | undefined {
  const file = path.join(projectDir, 'tls', `${domain}.crt`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

export function readProjectInfo(dir: string): ProjectInfo | undefined {
  const file = path.join(dir, INFO_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ProjectInfo) : undefined;
}

/**
 * Render a lab into a standalone compose project folder. An existing project of
 * infra-lab's is updated in place, keeping its secrets and certificate; any other
 * non-empty folder is refused, so nothing a user stored is overwritten.
 * Everything is rendered in memory before the first file is written.
 */
export async function generateProject(lab: Lab, options: GenerateOptions): Promise<{ info: ProjectInfo; changed: boolean; files: string[] }> {
  const dir = options.outDir;
  const previous = fs.existsSync(dir) ? readProjectInfo(dir) : undefined;
  if (fs.existsSync(dir) && !previous) {
    if (!fs.statSync(dir).isDirectory()) throw usageError(`${dir} exists and is not a folder; choose another with -o`);
    if (fs.readdirSync(dir).length > 0)
      throw usageError(`${dir} is not empty and was not made by infra-lab; choose an empty or new folder with -o`);
  }
  for (const bundle of [appBundle, probeBundle]) if (!fs.existsSync(bundle)) throw usageError(`${bundle} is missing; run npm run build`);
  const projectName = options.projectName ?? previous?.projectName ?? defaultProjectName(lab);
  const block = options.block ?? previous?.block ?? blockFor(projectName);
  const envFile = path.join(dir, '.env');
  const existingEnv = fs.existsSync(envFile) ? parseEnvFile(fs.readFileSync(envFile, 'utf8')) : {};
  const apps = lab.components.filter((c) => c.role === 'app').map((c) => c.name);
  const env = projectEnv(projectName, apps, existingEnv, options.versions);

  const replicas = options.replicas ?? previous?.replicas;
  const scaled = withReplicas(lab, replicas);
  const files: ProjectFile[] = renderProject({
    lab: scaled,
    flavor: options.flavor,
    projectName,
    block,
    env,
    appServer: fs.readFileSync(appBundle, 'utf8'),
    routing: options.routing,
    now: options.now ?? new Date(),
    version: VERSION,
  });
  files.push({ path: PROBE_FILE, content: fs.readFileSync(probeBundle, 'utf8') });
  files.push({ path: LAB_COPY, content: `# The lab file this project was generated from (${lab.source}), copied by infra-lab.\n${fs.readFileSync(lab.source, 'utf8')}` });
  const contentHash = hashFiles(files);
  files.push({ path: '.env', content: formatEnvFile(env), mode: 0o600 });

  const tlsDir = path.join(dir, 'tls');
  if (lab.components.some((c) => c.tls) && !fs.existsSync(path.join(tlsDir, `${lab.domain}.pem`))) {
    const tls = await generateCertificate(lab.domain);
    files.push({ path: `tls/${lab.domain}.crt`, content: tls.cert });
    files.push({ path: `tls/${lab.domain}.key`, content: tls.key, mode: 0o600 });
    files.push({ path: `tls/${lab.domain}.pem`, content: tls.cert + tls.key, mode: 0o600 });
  }

  const info: ProjectInfo = {
    lab: lab.name,
    title: lab.title,
    source: path.resolve(lab.source),
    flavor: options.flavor,
    projectName,
    block,
    contentHash,
    generatedBy: `infra-lab ${VERSION}`,
    ...(replicas && Object.keys(replicas).length ? { replicas } : {}),
  };
  files.push({ path: INFO_FILE, content: `${JSON.stringify(info, null, 2)}\n` });

  for (const f of files) {
    const target = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Folders mounted into containers that run as another user (CoreDNS runs as nonroot) must be
    // readable by all, whatever the umask.
    for (let folder = path.dirname(target); folder.length > dir.length; folder = path.dirname(folder)) fs.chmodSync(folder, 0o755);
    fs.writeFileSync(target, f.content, { mode: f.mode ?? 0o644 });
    fs.chmodSync(target, f.mode ?? 0o644);
  }
  const changed = !previous || previous.contentHash !== contentHash || previous.flavor !== options.flavor;
  return { info, changed, files: files.map((f) => f.path) };
}

/** The zone serial changes at every rendering; leave it out so that an unchanged lab hashes the same. */
function hashFiles(files: ProjectFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    h.update(f.path).update('\0').update(stableContent(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
