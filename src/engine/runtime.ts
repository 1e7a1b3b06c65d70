import type { Endpoint } from './endpoint.js';

/** The small part of the Engine API infra-lab uses, and what it returns. Implemented by DockerodeRuntime. */

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
  /** How many healthchecks the engine has run and kept (it keeps the last few); undefined without a healthcheck. */
  healthChecksRun?: number;
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
  /** Which engine answers: Docker, or Podman through its Docker-compatible API. */
  engine(): Promise<{ name: string; version: string; podman: boolean }>;
  /** Containers (running or not) carrying every label given ("key=value" or "key"). */
  containers(labels: string[]): Promise<ContainerInfo[]>;
  networks(): Promise<NetworkInfo[]>;
  volumes(labels: string[]): Promise<string[]>;
  imageLabels(ref: string): Promise<Record<string, string> | undefined>;
  pull(ref: string): Promise<void>;
  buildImage(contextDir: string, files: string[], tag: string, options: { buildArgs: Record<string, string>; labels: Record<string, string> }, onLine: (line: string) => void): Promise<void>;
  importImage(tar: NodeJS.ReadableStream, tag: string, labels: Record<string, string>): Promise<void>;

  kill(id: string, signal?: string): Promise<void>;
  stop(id: string): Promise<void>;
  start(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** The networks a container is attached to, with its address and aliases on each. */
  attachments(id: string): Promise<NetworkAttachment[]>;
  disconnect(network: string, id: string): Promise<void>;
  connect(network: string, id: string, attachment: Omit<NetworkAttachment, 'network'>): Promise<void>;
  /** Runs a command in a running container; resolves with its exit code and output. */
  exec(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }>;
  /**
   * Starts recording the engine events of containers with the labels. Recorded as they happen: the
   * engine keeps only its last 256 events, which healthchecks of a few containers fill in seconds,
   * so asking afterwards loses the start of a measurement.
   */
  recordEvents(labels: string[]): Promise<EventRecording>;
  /**
   * Creates and starts a helper container; its output lines go to onLine until it stops. The
   * container's stdin stays open while this process is attached and closes when the process ends
   * in any way (SIGKILL too): the program inside must exit then, and the engine removes it.
   */
  runContainer(spec: ContainerSpec, onLine: (line: string, stream: 'stdout' | 'stderr') => void): Promise<RunningContainer>;
  /**
   * Creates and starts a helper container that outlives this process (a network fault lasts until
   * heal); resolves with its id. Whoever started it removes it.
   */
  startContainer(spec: ContainerSpec): Promise<string>;
  /** A container's output so far, stdout and stderr together. */
  logs(id: string): Promise<string>;
  /** Removes a container, running or not; one that is already gone is no error. */
  remove(id: string): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /**
   * Starts a copy of a container (same image, command, mounts, healthcheck, networks) with some
   * environment and labels changed, at addresses the networks choose; resolves with its id and its address on each network.
   */
  cloneContainer(id: string, changes: { name: string; env: Record<string, string>; labels: Record<string, string>; dropLabels: string[] }): Promise<{ id: string; addresses: Record<string, string> }>;
  /** CPU time the container has used so far, and its CPU limit in cores if it has one. */
  cpu(id: string): Promise<{ usageNs: number; limitCores?: number }>;
}

export interface EventRecording {
  /** Stops recording; resolves with the events between two moments (ms since 1970). */
  stop(since: number, until: number): Promise<EngineEvent[]>;
}

export interface NetworkAttachment {
  network: string;
  ipv4?: string;
  /** Kept across a reconnect: Podman would pick a new one, and clients that cached the old one could not reach it. */
  mac?: string;
  aliases: string[];
}

export interface EngineEvent {
  /** ms since 1970, from the engine's clock */
  time: number;
  /** kill, die, stop, start, restart, pause, unpause, health_status: healthy, ... */
  action: string;
  service: string;
  container: string;
  attributes: Record<string, string>;
}

export interface ContainerSpec {
  image: string;
  name: string;
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** A network's name, or container:<id> to share that container's network namespace. */
  network: string;
  /** Capabilities added to the engine's default set (NET_ADMIN for network faults). */
  capAdd?: string[];
  /** host folder -> container folder, read-only */
  binds: Record<string, string>;
  /** The user to run as, when not the image's. */
  user?: string;
}

export interface RunningContainer {
  id: string;
  /** Resolves when the container's output ends (it stopped). */
  finished: Promise<void>;
}
