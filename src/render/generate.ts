import { createHash } from 'node:crypto';
import type { Lab } from '../lab/model.js';
import { VERSION } from '../version.js';
import type { Flavor } from './flavors.js';
import { renderProject, stableContent, TLS_FILES, type ContainerLimits, type ProjectFile, type RenderInput } from './project.js';
import { commentLine } from './yaml-file.js';
import { formatEnvFile, projectEnv } from './secrets.js';
import { generateCertificate } from './tls.js';

/** What infra-lab records about a project it generated (infra-lab.json in the project folder). */
export interface ProjectInfo {
  lab: string;
  title: string;
  /** The lab file the project was generated from, as the user gave it (never the project's own copy). */
  source: string;
  flavor: Flavor;
  projectName: string;
  block: string;
  /** Hash of everything rendered except secrets and the zone serial: tells whether the lab changed. */
  contentHash: string;
  /** Hash of docker-compose.yml as infra-lab wrote it: tells whether someone edited it since. */
  composeHash?: string;
  generatedBy: string;
  /** Replica counts set with `infra-lab scale`, which later renderings keep. */
  replicas?: Record<string, number>;
  /** Limits every container is held to (a checked submission's), which later renderings keep. */
  limits?: ContainerLimits;
  /** Rendered for an engine that gives containers a new MAC address at each start (Podman); later renderings keep it. */
  fixedMacs?: boolean;
}

export const INFO_FILE = 'infra-lab.json';
export const COMPOSE_FILE = 'docker-compose.yml';
export const ENV_FILE = '.env';
/** The probe that infra-lab runs beside the lab (watch, experiment). */
export const PROBE_FILE = 'probe/probe.cjs';
/** The project keeps a copy of its lab file, so that it stands on its own. */
export const LAB_COPY = 'lab.yaml';
const LAB_COPY_HEADER = '# The lab file this project was generated from';

/** The copy of a lab file the project keeps: one header naming the original, then the text unchanged. */
export const labCopy = (source: string, text: string) => `${LAB_COPY_HEADER} (${commentLine(source)}), copied by infra-lab.\n${text}`;
/** The lab file's own text from a copy (older versions of infra-lab stacked several headers: all go). */
export const labTextOfCopy = (copy: string) => copy.replace(new RegExp(`^(?:${LAB_COPY_HEADER}[^\\n]*\\n)+`), '');

/** Everything a rendering needs, read by the caller: rendering reads no project file and writes none. */
export interface RenderLabInput {
  lab: Lab;
  /** The lab file's text and where it came from, kept in the project as lab.yaml. */
  labText: string;
  source: string;
  flavor: Flavor;
  projectName: string;
  block: string;
  /** The project's .env as it is (empty for a new project): its secrets and versions are kept. */
  existingEnv: Record<string, string>;
  /** The project already has the lab's certificate: it is kept, not made again. */
  hasCertificate: boolean;
  /** Replica counts that differ from the lab file. */
  replicas?: Record<string, number>;
  limits?: ContainerLimits;
  fixedMacs?: boolean;
  /** New code versions of app components (others keep theirs). */
  versions?: Record<string, string>;
  /** Transient routing of the web servers during a deploy (see RenderInput.routing). */
  routing?: RenderInput['routing'];
  /** The bundled programs shipped into containers. */
  appServer: string;
  probe: string;
  now: Date;
}

/** The lab with the replica counts `infra-lab scale` set. */
export const withReplicas = (lab: Lab, replicas: Record<string, number> | undefined): Lab =>
  replicas ? { ...lab, components: lab.components.map((c) => (replicas[c.name] ? { ...c, replicas: replicas[c.name] } : c)) } : lab;

/** Renders a lab into the files of a standalone compose project, in memory: files in, files out. */
export async function renderLabProject(input: RenderLabInput): Promise<{ files: ProjectFile[]; info: ProjectInfo }> {
  const { lab } = input;
  const apps = lab.components.filter((c) => c.role === 'app').map((c) => c.name);
  const env = projectEnv(input.projectName, apps, input.existingEnv, input.versions);
  const files: ProjectFile[] = renderProject({
    lab: withReplicas(lab, input.replicas),
    flavor: input.flavor,
    projectName: input.projectName,
    block: input.block,
    env,
    appServer: input.appServer,
    routing: input.routing,
    limits: input.limits,
    fixedMacs: input.fixedMacs,
    now: input.now,
    version: VERSION,
  });
  files.push({ path: PROBE_FILE, content: input.probe });
  files.push({ path: LAB_COPY, content: labCopy(input.source, input.labText) });
  const contentHash = hashFiles(files);
  files.push({ path: ENV_FILE, content: formatEnvFile(env), mode: 0o600 });

  if (lab.components.some((c) => c.tls) && !input.hasCertificate) {
    const tls = await generateCertificate(lab.domain);
    files.push({ path: `tls/${TLS_FILES.cert}`, content: tls.cert });
    files.push({ path: `tls/${TLS_FILES.key}`, content: tls.key, mode: 0o600 });
    files.push({ path: `tls/${TLS_FILES.pem}`, content: tls.cert + tls.key, mode: 0o600 });
  }

  const info: ProjectInfo = {
    lab: lab.name,
    title: lab.title,
    source: input.source,
    flavor: input.flavor,
    projectName: input.projectName,
    block: input.block,
    contentHash,
    composeHash: hashText(files.find((f) => f.path === COMPOSE_FILE)!.content),
    generatedBy: `infra-lab ${VERSION}`,
    ...(input.replicas && Object.keys(input.replicas).length ? { replicas: input.replicas } : {}),
    ...(input.limits ? { limits: input.limits } : {}),
    ...(input.fixedMacs ? { fixedMacs: true } : {}),
  };
  files.push({ path: INFO_FILE, content: `${JSON.stringify(info, null, 2)}\n` });
  return { files, info };
}

export const hashText = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The zone serial changes at every rendering; leave it out so that an unchanged lab hashes the same. */
function hashFiles(files: ProjectFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    h.update(f.path).update('\0').update(stableContent(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
