import { execa, type ResultPromise } from 'execa';
import { environmentError, failure, usageError, type ExitError } from '../errors.js';

/** The compose CLI that runs a project folder. */
export interface Compose {
  /** e.g. "docker compose 2.29.1" or "docker-compose 1.29.2" */
  describe(): Promise<string>;
  /** Starts the project, or only `services` (without what they depend on when noDeps). */
  up(dir: string, options?: UpOptions): Promise<void>;
  down(dir: string, options: { volumes: boolean }): Promise<void>;
  /** Runs a compose subcommand attached to the user's terminal (logs, exec). */
  attached(dir: string, args: string[]): Promise<number>;
}

export interface UpOptions {
  signal?: AbortSignal;
  services?: string[];
  noDeps?: boolean;
  /** Replace the containers even when their configuration did not change (a redeploy of the same version). */
  forceRecreate?: boolean;
  /**
   * Only bring this service's number of containers to its scale in the project file, leaving the
   * running ones as they are. Compose v2 recreates a service's running container when its scale
   * changes unless told not to; v1 only adds or removes containers on a plain up.
   */
  replicasOf?: string;
}

type Runner = (file: string, args: string[], options: { cwd?: string; cancelSignal?: AbortSignal; stdio?: 'inherit'; env?: Record<string, string> }) => ResultPromise;
const defaultRunner: Runner = (file, args, options) => execa(file, args, { ...options, reject: false, all: true });

/** Which compose infra-lab uses: INFRA_LAB_COMPOSE=v1|v2 chooses one (CI runs the suite under each); unset, whichever is here. */
export const COMPOSE_CHOICE_VARIABLE = 'INFRA_LAB_COMPOSE';

/**
 * Compose v2 (`docker compose`) when present, else v1 (`docker-compose`), else a stand-in that fails clearly.
 * With INFRA_LAB_COMPOSE set, only the chosen one; when it is missing the stand-in says so.
 */
export async function detectCompose(run: Runner = defaultRunner, env: NodeJS.ProcessEnv = process.env): Promise<Compose> {
  const choice = env[COMPOSE_CHOICE_VARIABLE] ?? '';
  if (!['', 'v1', 'v2'].includes(choice)) return new MissingCompose(usageError(`${COMPOSE_CHOICE_VARIABLE}=${choice} is not a compose version infra-lab knows; set it to v1 or v2, or unset it to use whichever is installed`));
  if (choice !== 'v1') {
    const v2 = await run('docker', ['compose', 'version', '--short'], {});
    if (v2.exitCode === 0) return new ComposeCli(['docker', 'compose'], `docker compose ${String(v2.stdout).trim()}`, run);
    if (choice === 'v2') return new MissingCompose(environmentError(`${COMPOSE_CHOICE_VARIABLE}=v2 but \`docker compose\` (v2) was not found; install the compose plugin (scripts/setup-debian-host.sh does), or unset ${COMPOSE_CHOICE_VARIABLE}`));
  }
  const v1 = await run('docker-compose', ['version', '--short'], {});
  if (v1.exitCode === 0) return new ComposeCli(['docker-compose'], `docker-compose ${String(v1.stdout).trim()}`, run);
  if (choice === 'v1') return new MissingCompose(environmentError(`${COMPOSE_CHOICE_VARIABLE}=v1 but \`docker-compose\` (v1) was not found; install it (on Debian: apt-get install docker-compose), or unset ${COMPOSE_CHOICE_VARIABLE}`));
  return new MissingCompose();
}

export class ComposeCli implements Compose {
  constructor(
    private readonly command: string[],
    private readonly description: string,
    private readonly run: Runner = defaultRunner,
    /** Set for compose beside the environment it inherits. */
    private readonly env?: Record<string, string>,
  ) {}

  withEnv(env: Record<string, string>): ComposeCli {
    return new ComposeCli(this.command, this.description, this.run, { ...this.env, ...env });
  }

  async describe(): Promise<string> {
    return this.description;
  }

  private async exec(dir: string, args: string[], signal?: AbortSignal): Promise<string> {
    const [file, ...pre] = this.command;
    const r = await this.run(file, [...pre, ...args], { cwd: dir, cancelSignal: signal, env: this.env });
    if (r.isCanceled) throw failure(`${this.command.join(' ')} ${args[0]} was interrupted`);
    if (r.exitCode !== 0) throw failure(`${this.command.join(' ')} ${args.join(' ')} failed in ${dir}:\n${explain(String(r.all ?? ''))}`);
    return String(r.all ?? '');
  }

  async up(dir: string, options: UpOptions = {}): Promise<void> {
    // --remove-orphans: a component removed from the lab file goes away as well.
    const v2 = this.command.join(' ') === 'docker compose';
    const replicas = options.replicasOf && v2 ? ['--no-deps', '--no-recreate', options.replicasOf] : [];
    await this.exec(dir, ['up', '-d', '--remove-orphans', ...(options.noDeps ? ['--no-deps'] : []), ...(options.forceRecreate ? ['--force-recreate'] : []), ...replicas, ...(options.services ?? [])], options.signal);
  }

  async down(dir: string, options: { volumes: boolean }): Promise<void> {
    await this.exec(dir, ['down', '--remove-orphans', ...(options.volumes ? ['--volumes'] : [])]);
  }

  async attached(dir: string, args: string[]): Promise<number> {
    const [file, ...pre] = this.command;
    const r = await this.run(file, [...pre, ...args], { cwd: dir, stdio: 'inherit', env: this.env });
    return r.exitCode ?? 1;
  }
}

/**
 * Compose as it must run against the engine. Podman 4 has API 1.41, below which Compose's client
 * refuses a MAC address per network, and Podman takes no other (it ignores a container's own): on
 * Podman, compose speaks 1.44, which Podman serves. A DOCKER_API_VERSION the user set is kept.
 */
export async function composeForEngine(found: Promise<Compose>, engine: Promise<{ podman: boolean }>, env: NodeJS.ProcessEnv = process.env): Promise<Compose> {
  const [compose, podman] = await Promise.all([found, engine.then((e) => e.podman, () => false)]);
  return podman && compose instanceof ComposeCli && !env.DOCKER_API_VERSION ? compose.withEnv({ DOCKER_API_VERSION: PODMAN_COMPOSE_API }) : compose;
}

/** The API version compose speaks to Podman (see composeForEngine). */
const PODMAN_COMPOSE_API = '1.44';

/** Stands in when no usable compose CLI is installed: every use says what to install. */
export class MissingCompose implements Compose {
  constructor(
    private readonly error: ExitError = environmentError('neither `docker compose` (v2) nor `docker-compose` (v1) was found; install Docker Compose (Docker Desktop has it; on Debian: apt-get install docker-compose)'),
  ) {}
  async describe(): Promise<string> {
    return 'none';
  }
  private fail(): never {
    throw this.error;
  }
  async up(): Promise<void> {
    this.fail();
  }
  async down(): Promise<void> {
    this.fail();
  }
  async attached(): Promise<number> {
    this.fail();
  }
}

/** The useful lines of compose's output, with a hint for the failures people meet most. */
export function explain(output: string): string {
  const lines = output.split('\n').filter((l) => /error|failed|denied|not found|already|refused|pull|address/i.test(l));
  const text = (lines.length ? lines : output.split('\n').slice(-5)).map((l) => `  ${l.trim()}`).join('\n');
  const port = /(?:Bind for|listen tcp|bind: address)[^\n]*?(\d+\.\d+\.\d+\.\d+:\d+|:\d+)/.exec(output);
  if (port) return `${text}\n  the port ${port[1]} is in use by another program; stop it, or set BIND_ADDRESS in the project's .env`;
  if (/Pool overlaps|overlaps with other one/i.test(output)) return `${text}\n  another Docker network uses the lab's addresses; remove it, or run infra-lab down on the other lab`;
  // Podman sets containers' open-file and process limits above its own unless told otherwise.
  if (/error setting rlimit/i.test(output))
    return `${text}\n  the engine may not raise the containers' limits above its own here (no CAP_SYS_RESOURCE, as inside a container); set default_ulimits in containers.conf, as scripts/setup-debian-host.sh does`;
  return text;
}

/**
 * Finds compose in the background: detection runs the CLI twice (half a second with compose v1),
 * which overlaps with the engine checks that come first instead of delaying every command.
 */
export class LazyCompose implements Compose {
  constructor(private readonly found: Promise<Compose>) {
    found.catch(() => undefined);
  }
  async describe(): Promise<string> {
    return (await this.found).describe();
  }
  async up(dir: string, options?: UpOptions): Promise<void> {
    return (await this.found).up(dir, options);
  }
  async down(dir: string, options: { volumes: boolean }): Promise<void> {
    return (await this.found).down(dir, options);
  }
  async attached(dir: string, args: string[]): Promise<number> {
    return (await this.found).attached(dir, args);
  }
}
