import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { environmentError } from '../errors.js';
import type { Endpoint } from './endpoint.js';
import {
  COMPOSE_LABEL,
  type ContainerInfo,
  type ContainerSpec,
  type EngineEvent,
  type EventRecording,
  type NetworkAttachment,
  type NetworkInfo,
  type PublishedPort,
  type RunningContainer,
  type Runtime,
} from './runtime.js';

/** The Runtime over the Docker Engine API (also Podman's compatible API), with dockerode. */
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

  async engine(): Promise<{ name: string; version: string; podman: boolean }> {
    const v = await this.docker.version();
    // Podman names its component "Podman Engine"; Docker's is "Engine".
    const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name));
    return { name: podman ? 'Podman' : 'Docker', version: v.Version, podman };
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
    const changes = Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`);
    // repo=name:tag rather than repo and tag apart: Podman ignores tag= and names the image :latest.
    const stream = (await this.docker.importImage(tar as never, { repo: tag, changes } as never)) as unknown as NodeJS.ReadableStream;
    let id: string | undefined;
    await followProgress(this.docker, stream, (line) => {
      id = /sha256:[0-9a-f]{64}/.exec(line)?.[0] ?? id;
    });
    if (await this.imageLabels(tag)) return;
    // An engine that still dropped the name: name the image it reported.
    const [repo, version] = splitTag(tag);
    if (id) await this.docker.getImage(id).tag({ repo, tag: version });
    if (!(await this.imageLabels(tag))) throw environmentError(`the engine imported the image but did not name it ${tag}${id ? ` (it is ${id})` : ''}; run again with --verbose and report the engine and its version`);
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.docker.getContainer(id).kill({ signal });
  }

  async stop(id: string): Promise<void> {
    await this.docker.getContainer(id).stop({ t: 10 });
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  async restart(id: string): Promise<void> {
    await this.docker.getContainer(id).restart({ t: 10 });
  }

  async pause(id: string): Promise<void> {
    await this.docker.getContainer(id).pause();
  }

  async unpause(id: string): Promise<void> {
    await this.docker.getContainer(id).unpause();
  }

  async attachments(id: string): Promise<NetworkAttachment[]> {
    const info = await this.docker.getContainer(id).inspect();
    return Object.entries(info.NetworkSettings.Networks ?? {}).map(([network, n]) => ({
      network,
      // The address it has, also where the engine does not say that it was asked for (Podman's
      // IPAMConfig is null): reconnecting elsewhere would strand clients that cached the old one.
      ipv4: n.IPAMConfig?.IPv4Address || n.IPAddress || undefined,
      mac: n.MacAddress || undefined,
      aliases: (n.Aliases ?? []).filter((a: string) => !info.Id.startsWith(a)),
    }));
  }

  async disconnect(network: string, id: string): Promise<void> {
    await this.docker.getNetwork(network).disconnect({ Container: id, Force: true });
  }

  async connect(network: string, id: string, a: Omit<NetworkAttachment, 'network'>): Promise<void> {
    await this.docker.getNetwork(network).connect({
      Container: id,
      EndpointConfig: { IPAMConfig: a.ipv4 ? { IPv4Address: a.ipv4 } : undefined, MacAddress: a.mac, Aliases: a.aliases },
    });
  }

  async exec(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    this.docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
  }

  async recordEvents(labels: string[]): Promise<EventRecording> {
    const stream = (await this.docker.getEvents({ since: Math.floor(Date.now() / 1000), filters: { type: ['container'], label: labels } })) as NodeJS.ReadableStream & { destroy(): void };
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    // A stream the engine ends (it went away) is no error here: the events so far are kept.
    stream.on('error', () => undefined);
    return {
      stop: async (since, until) => {
        stream.destroy();
        // Only whole lines: the last one may have been cut by the destroy.
        return parseEngineEvents(text.slice(0, text.lastIndexOf('\n') + 1)).filter((e) => e.time >= since && e.time <= until);
      },
    };
  }

  async runContainer(spec: ContainerSpec, onLine: (line: string, stream: 'stdout' | 'stderr') => void): Promise<RunningContainer> {
    const container = await this.docker.createContainer({
      ...createOptions(spec),
      // The helper's lease on life: its stdin is this process's attach connection, which the kernel
      // closes when this process ends, however it ends; StdinOnce makes the engine close the stdin then.
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      HostConfig: { ...createOptions(spec).HostConfig, AutoRemove: true },
    });
    // Writable as well (hijack), and never ended: ending it would close the helper's stdin.
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    const finished = new Promise<void>((resolve) => {
      const lines = (name: 'stdout' | 'stderr') => {
        let rest = '';
        const sink = new PassThrough();
        sink.on('data', (c: Buffer) => {
          const parts = (rest + c.toString('utf8')).split('\n');
          rest = parts.pop() ?? '';
          for (const p of parts) onLine(p, name);
        });
        return sink;
      };
      this.docker.modem.demuxStream(stream, lines('stdout'), lines('stderr'));
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
    });
    await container.start();
    return { id: container.id, finished };
  }

  async logs(id: string): Promise<string> {
    const raw = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c));
    const source = new PassThrough();
    this.docker.modem.demuxStream(source, sink, sink);
    source.end(raw);
    await new Promise((resolve) => setImmediate(resolve));
    return Buffer.concat(chunks).toString('utf8');
  }

  async startContainer(spec: ContainerSpec): Promise<string> {
    const container = await this.docker.createContainer(createOptions(spec));
    await container.start();
    return container.id;
  }

  async cloneContainer(
    id: string,
    changes: { name: string; env: Record<string, string>; labels: Record<string, string>; dropLabels: string[] },
  ): Promise<{ id: string; addresses: Record<string, string> }> {
    const info = await this.docker.getContainer(id).inspect();
    const env = (info.Config.Env ?? []).filter((e) => !(e.split('=')[0] in changes.env));
    const labels = Object.fromEntries(Object.entries(info.Config.Labels ?? {}).filter(([k]) => !changes.dropLabels.includes(k)));
    const networks = Object.entries(info.NetworkSettings.Networks ?? {});
    const [first, ...rest] = networks;
    const container = await this.docker.createContainer({
      name: changes.name,
      Image: info.Config.Image,
      Cmd: info.Config.Cmd,
      Entrypoint: info.Config.Entrypoint,
      User: info.Config.User,
      Env: [...env, ...Object.entries(changes.env).map(([k, v]) => `${k}=${v}`)],
      Labels: { ...labels, ...changes.labels },
      Healthcheck: info.Config.Healthcheck,
      HostConfig: { Binds: info.HostConfig.Binds, Init: info.HostConfig.Init, NanoCpus: info.HostConfig.NanoCpus, NetworkMode: first[0] },
    });
    for (const [name] of rest) await this.docker.getNetwork(name).connect({ Container: container.id });
    await container.start();
    const started = await container.inspect();
    return { id: container.id, addresses: Object.fromEntries(Object.entries(started.NetworkSettings.Networks).map(([n, x]) => [n, x.IPAddress])) };
  }

  async cpu(id: string): Promise<{ usageNs: number; limitCores?: number }> {
    const c = this.docker.getContainer(id);
    const [stats, info] = await Promise.all([c.stats({ stream: false }), c.inspect()]);
    const nano = info.HostConfig.NanoCpus ?? 0;
    return { usageNs: stats.cpu_stats.cpu_usage.total_usage, limitCores: nano > 0 ? nano / 1e9 : undefined };
  }

  async remove(id: string): Promise<void> {
    // A container starved of CPU (a lab file's cpus: 0.01) may take longer to die than the engine
    // waits for its exit event; the engine then answers 500, and the kill completes a while later.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: true });
        return;
      } catch (err) {
        // 404: already gone; 409: the engine is removing it already (an auto-removed helper that stopped).
        const { statusCode, message } = err as { statusCode?: number; message?: string };
        if (statusCode === 404 || statusCode === 409) return;
        if (statusCode !== 500 || !/did not receive an exit event/.test(message ?? '') || attempt === REMOVE_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(name).remove();
    } catch (err) {
      // 404: already gone (an interrupted up's own clean-up may remove it at the same time).
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  async removeVolume(name: string): Promise<void> {
    await this.docker.getVolume(name).remove();
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

/**
 * The engine's event stream (one JSON object a line) as events. Docker says "health_status: healthy"
 * when the health changes; Podman says "health_status" on every check, with the status apart
 * (HealthStatus): both become the first form, and only changes are kept (a start begins anew).
 */
/** How often remove asks again for a container whose kill the engine did not see complete in time. */
const REMOVE_ATTEMPTS = 30;

export function parseEngineEvents(text: string): EngineEvent[] {
  const health = new Map<string, string>();
  const out: EngineEvent[] = [];
  for (const line of text.split('\n').filter((l) => l.trim())) {
    const e = JSON.parse(line) as { timeNano: number; Action: string; id: string; HealthStatus?: string; Actor: { Attributes: Record<string, string> } };
    const attributes = e.Actor.Attributes;
    const status = e.Action === 'health_status' ? (e.HealthStatus ?? attributes.health_status) : undefined;
    const action = status ? `health_status: ${status}` : e.Action;
    // A container that starts again starts with no health: its first check is a change, healthy or not.
    if (action === 'start') health.delete(e.id);
    if (action.startsWith('health_status: ')) {
      if (health.get(e.id) === action) continue;
      health.set(e.id, action);
    }
    out.push({ time: e.timeNano / 1e6, action, service: attributes[COMPOSE_LABEL.service] ?? '', container: attributes.name ?? e.id, attributes });
  }
  return out;
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
    healthChecksRun: health && health.Status !== 'none' ? (health.Log ?? []).length : undefined,
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

/** How a helper container is created, whether it lives with this process (runContainer) or on its own (startContainer). */
function createOptions(spec: ContainerSpec) {
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.cmd,
    ...(spec.user ? { User: spec.user } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    HostConfig: {
      NetworkMode: spec.network,
      CapAdd: spec.capAdd,
      Binds: Object.entries(spec.binds).map(([host, inside]) => `${host}:${inside}:ro`),
      Init: true,
    },
  };
}
