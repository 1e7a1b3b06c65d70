import type { Lab } from '../lab/model.js';
import { LABEL } from '../render/project.js';
import { COMPOSE_LABEL, type ContainerInfo, type Runtime } from '../engine/runtime.js';

export interface ServiceState {
  component: string;
  role: string;
  expected: number;
  containers: ContainerInfo[];
  /** Every expected container is running and, where it has a healthcheck, healthy. */
  ready: boolean;
  /** One word for people: healthy, starting, unhealthy, exited, missing, ... */
  summary: string;
}

export interface Endpoints {
  http?: string;
  https?: string;
  /** host:port of the lab's DNS server over UDP. */
  dns?: string;
  /** host:port of the lab's DNS server over TCP: compose v2 may publish it on another host port than UDP. */
  dnsTcp?: string;
  monitor?: string;
  /** Every published entry point by name; a DNS entry point's TCP port as `<name>-tcp`. */
  all: Record<string, string>;
}

export const projectContainers = (runtime: Runtime, projectName: string) => runtime.containers([`${COMPOSE_LABEL.project}=${projectName}`, LABEL.lab]);

export function serviceStates(lab: Lab, containers: ContainerInfo[]): ServiceState[] {
  return lab.components.map((c) => {
    const mine = containers.filter((x) => x.service === c.name);
    const running = mine.filter((x) => x.state === 'running');
    const expected = Math.max(c.replicas, mine.length);
    const ready = running.length >= c.replicas && running.every((x) => x.health === undefined || x.health === 'healthy');
    let summary: string;
    if (mine.length === 0) summary = 'missing';
    else if (ready) summary = running.some((x) => x.health) ? 'healthy' : 'running';
    else if (running.some((x) => x.health === 'unhealthy')) summary = 'unhealthy';
    else if (running.length > 0) summary = 'starting';
    else summary = mine[0].state;
    return { component: c.name, role: c.role, expected, containers: mine, ready, summary };
  });
}

/** Published entry points of a lab, as URLs and host:port pairs on the host. */
export function endpointsOf(lab: Lab, containers: ContainerInfo[]): Endpoints {
  const all: Record<string, string> = {};
  const out: Endpoints = { all };
  for (const e of lab.entrypoints) {
    const published = (proto: 'tcp' | 'udp') => {
      const binding = containers
        .filter((c) => c.service === e.component)
        .flatMap((c) => c.ports)
        .find((p) => p.container === `${e.port}/${proto}`);
      if (!binding) return undefined;
      const host = binding.hostIp === '0.0.0.0' || binding.hostIp === '' ? '127.0.0.1' : binding.hostIp;
      return `${host}:${binding.hostPort}`;
    };
    if (e.protocol === 'dns') {
      const udp = published('udp');
      const tcp = published('tcp');
      if (udp) all[e.name] = udp;
      if (tcp) all[`${e.name}-tcp`] = tcp;
      if (udp && !out.dns) out.dns = udp;
      if (tcp && !out.dnsTcp) out.dnsTcp = tcp;
      continue;
    }
    const address = published('tcp');
    if (!address) continue;
    const value = `${e.protocol === 'https' ? 'https' : 'http'}://${address}/`;
    all[e.name] = value;
    if (e.protocol === 'http' && !out.http) out.http = value;
    if (e.protocol === 'https' && !out.https) out.https = value;
    if (e.protocol === 'monitor' && !out.monitor) out.monitor = value;
  }
  return out;
}

/**
 * Components whose healthcheck the engine never ran although their container has been running for
 * graceMs: Podman 4 runs healthchecks from systemd timers, so without systemd they never run and
 * compose waits forever for a healthy dependency.
 */
export function healthchecksNeverRun(states: ServiceState[], now: number, graceMs: number): string[] {
  return states
    .filter((s) => s.containers.some((c) => c.state === 'running' && c.healthChecksRun === 0 && c.startedAt && now - c.startedAt.getTime() >= graceMs))
    .map((s) => s.component);
}
