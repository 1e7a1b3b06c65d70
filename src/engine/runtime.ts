import Docker from 'dockerode';
import { environmentError } from '../errors.js';
import type { Endpoint } from './endpoint.js';

export const COMPOSE_LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
} as const;

export interface PublishedPort {
  /** e.g. "80/tcp" */
  container: string;
  hostIp: string;
  hostPort: number;
}

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  project: string;
  service: string;
  /** running, exited, paused, restarting, created, dead */
  state: string;
  /** healthy, unhealthy, starting; undefined when the container has no healthcheck */
  health?: string;
  /** Output of the last failed healthcheck, to explain an unhealthy service. */
  lastHealthOutput?: string;
  exitCode: number;
  startedAt?: Date;
  restartCount: number;
  ports: PublishedPort[];
  networks: Record<string, string>;
}

export interface NetworkInfo {
  name: string;
  project?: string;
  subnets: string[];
}

/** The small part of the Engine API infra-lab uses. */
export interface Runtime {
  readonly endpoint: Endpoint;
  ping(): Promise<void>;
  /** Containers (running or not) carrying every label given ("key=value" or "key"). */
  containers(labels: string[]): Promise<ContainerInfo[]>;
  networks(): Promise<NetworkInfo[]>;
  volumes(labels: string[]): Promise<string[]>;
  imageLabels(ref: string): Promise<Record<string, string> | undefined>;
  pull(ref: string): Promise<void>;
  buildImage(contextDir: string, files: string[], tag: string, options: { buildArgs: Record<string, string>; labels: Record<string, string> }, onLine: (line: string) => void): Promise<void>;
  importImage(tar: NodeJS.ReadableStream, tag: string, labels: Record<string, string>): Promise<void>;
}

export class DockerodeRuntime implements Runtime {
  private readonly docker: Docker;

  constructor(readonly endpoint: Endpoint) {
    this.docker = new Docker(dockerOptions(endpoint));
  }

  async ping(): Promise<void> {
    try {
      await withTimeout(this.docker.ping(), 5000);
    } catch (err) {
      throw environmentError(
        `cannot reach a container engine at ${this.endpoint.address} (found by ${this.endpoint.source}): ${(err as Error).message}. Start Docker (Docker Desktop, or dockerd) or Podman's socket, or set DOCKER_HOST`,
        err,
      );
    }
  }

  async containers(labels: string[]): Promise<ContainerInfo[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: labels } });
    const inspected = await Promise.all(
      list.map((c) =>
        this.docker
          .getContainer(c.Id)
          .inspect()
          .catch(() => undefined),
      ),
    );
    return inspected.filter((i): i is Docker.ContainerInspectInfo => !!i).map(toContainerInfo);
  }

  async networks(): Promise<NetworkInfo[]> {
    const list = await this.docker.listNetworks();
    return list.map((n) => ({
      name: n.Name,
      project: n.Labels?.[COMPOSE_LABEL.project],
      subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => !!s),
    }));
  }

  async volumes(labels: string[]): Promise<string[]> {
    const r = await this.docker.listVolumes({ filters: { label: labels } });
    return (r.Volumes ?? []).map((v) => v.Name);
  }

  async imageLabels(ref: string): Promise<Record<string, string> | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return info.Config?.Labels ?? {};
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async pull(ref: string): Promise<void> {
    const stream = (await this.docker.pull(ref)) as NodeJS.ReadableStream;
    await followProgress(this.docker, stream, () => undefined);
  }

  async buildImage(
    contextDir: string,
    files: string[],
    tag: string,
    options: { buildArgs: Record<string, string>; labels: Record<string, string> },
    onLine: (line: string) => void,
  ): Promise<void> {
    const stream = await this.docker.buildImage({ context: contextDir, src: files }, { t: tag, buildargs: options.buildArgs, labels: options.labels, rm: true, forcerm: true });
    await followProgress(this.docker, stream, onLine);
  }

  async importImage(tar: NodeJS.ReadableStream, tag: string, labels: Record<string, string>): Promise<void> {
    const [repo, version] = splitTag(tag);
    const changes = Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`);
    const stream = (await this.docker.importImage(tar as never, { repo, tag: version, changes } as never)) as unknown as NodeJS.ReadableStream;
    await followProgress(this.docker, stream, () => undefined);
  }
}

function splitTag(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  return i > ref.lastIndexOf('/') ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, 'latest'];
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
        const failed = output?.find((o) => o.error);
        if (err) reject(err);
        else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
        else resolve();
      },
      (event: { stream?: string; status?: string }) => {
        const text = (event.stream ?? event.status ?? '').trimEnd();
        if (text) for (const line of text.split('\n')) onLine(line);
      },
    );
  });
}

function dockerOptions(endpoint: Endpoint): Docker.DockerOptions {
  const a = endpoint.address;
  // docker-modem reads DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself.
  if (endpoint.source === 'DOCKER_HOST') return {};
  if (a.startsWith('unix://')) return { socketPath: a.slice('unix://'.length) };
  if (a.startsWith('/') || a.startsWith('//./pipe/')) return { socketPath: a };
  if (a.startsWith('npipe://')) return { socketPath: a.slice('npipe:'.length) };
  const url = new URL(a.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'ssh:' ? 'ssh' : 'http', username: url.username || undefined };
}

function toContainerInfo(i: Docker.ContainerInspectInfo): ContainerInfo {
  const labels = i.Config.Labels ?? {};
  const health = (i.State as { Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] } }).Health;
  const lastFailed = health?.Log?.filter((l) => l.ExitCode !== 0).pop();
  const ports: PublishedPort[] = [];
  for (const [container, bindings] of Object.entries(i.NetworkSettings.Ports ?? {}))
    for (const b of bindings ?? []) ports.push({ container, hostIp: b.HostIp, hostPort: Number(b.HostPort) });
  return {
    id: i.Id,
    name: i.Name.replace(/^\//, ''),
    labels,
    project: labels[COMPOSE_LABEL.project] ?? '',
    service: labels[COMPOSE_LABEL.service] ?? '',
    state: i.State.Status,
    health: health?.Status === 'none' ? undefined : health?.Status,
    lastHealthOutput: lastFailed?.Output.trim(),
    exitCode: i.State.ExitCode,
    startedAt: i.State.Running && i.State.StartedAt ? new Date(i.State.StartedAt) : undefined,
    restartCount: i.RestartCount,
    ports,
    networks: Object.fromEntries(Object.entries(i.NetworkSettings.Networks ?? {}).map(([name, n]) => [name, n.IPAddress])),
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
