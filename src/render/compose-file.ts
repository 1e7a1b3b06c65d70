import type { Lab } from '../lab/model.js';
import type { Addressing } from './addresses.js';
import type { Flavor } from './flavors.js';
import { LABEL } from './labels.js';
import type { Service } from './project.js';
import { yamlFile } from './yaml-file.js';

/** The named volume that keeps a database component's data. */
export const dataVolume = (component: string) => `${component}-data`;

/**
 * docker-compose.yml of a lab, built as data from the lab's services and serialised by the yaml
 * library: a lab file can change values, never the file's structure.
 */
export function composeFile(input: { lab: Lab; flavor: Flavor; version: string; addressing: Addressing; services: Service[] }): string {
  const { lab, flavor, addressing, services } = input;
  const labLabel = { [LABEL.lab]: lab.name };
  const dbs = services.filter((s) => s.component.role === 'db');
  const data = {
    services: Object.fromEntries(services.map((s) => [s.name, serviceEntry(s, lab, flavor)])),
    networks: Object.fromEntries(
      lab.networks.map((n) => {
        const a = addressing.networks[n.name];
        return [n.name, { ...(n.internal ? { internal: true } : {}), ipam: { config: [{ subnet: a.subnet, ip_range: a.ipRange, gateway: a.gateway }] }, labels: labLabel }];
      }),
    ),
    ...(dbs.length ? { volumes: Object.fromEntries(dbs.map((s) => [dataVolume(s.name), { labels: labLabel }])) } : {}),
  };
  return yamlFile(data, {
    header: [
      `Docker Compose project of the infra-lab lab "${lab.name}": ${lab.title}.`,
      `Written by infra-lab ${input.version} with the ${flavor} images. It runs without infra-lab:`,
      '`docker compose up -d` (or `docker-compose up -d`) in this folder; secrets are in .env.',
    ],
    comments: [
      { path: ['networks'], lines: [], blankLineBefore: true },
      ...lab.networks.map((n) => ({ path: ['networks', n.name], lines: [n.description || n.name] })),
      ...(dbs.length ? [{ path: ['volumes'], lines: ["The databases' data: kept by `infra-lab down`, removed by `infra-lab down --volumes`."], blankLineBefore: true }] : []),
    ],
    flowKeys: ['command', 'test'],
  });
}

function serviceEntry(s: Service, lab: Lab, flavor: Flavor): object {
  return {
    image: s.image,
    ...(s.command ? { command: s.command } : {}),
    ...(s.user ? { user: s.user } : {}),
    init: true,
    restart: s.component.restart,
    ...(s.component.maxReplicas > 1 ? { scale: s.component.replicas } : { hostname: s.name }),
    ...(s.cpus ? { cpus: s.cpus } : {}),
    ...(s.memoryMb ? { mem_limit: `${s.memoryMb}m` } : {}),
    ...(Object.keys(s.environment).length ? { environment: s.environment } : {}),
    ...(s.volumes.length ? { volumes: s.volumes } : {}),
    // Compose makes the network of the highest priority a container's first, else the first by name.
    networks: Object.fromEntries(s.networks.map((n) => [n.name, n.address ? { ipv4_address: n.address, ...(n.mac ? { mac_address: n.mac, priority: 100 } : {}) } : {}])),
    ...(s.ports.length ? { ports: s.ports } : {}),
    ...(s.healthcheck ? { healthcheck: { test: s.healthcheck, interval: '2s', timeout: '2s', retries: 3, start_period: '120s' } } : {}),
    ...(s.dependsOn.length ? { depends_on: Object.fromEntries(s.dependsOn.map((d) => [d.name, { condition: d.condition }])) } : {}),
    labels: {
      [LABEL.lab]: lab.name,
      [LABEL.component]: s.name,
      [LABEL.role]: s.component.role,
      [LABEL.server]: s.component.server,
      [LABEL.flavor]: flavor,
      ...(s.configHash ? { [LABEL.configHash]: s.configHash } : {}),
    },
  };
}
