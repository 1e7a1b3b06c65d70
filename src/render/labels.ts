/** Labels infra-lab puts on what it creates, so that it finds a lab's containers, networks and volumes again. */
export const LABEL = {
  lab: 'dev.infra-lab.lab',
  component: 'dev.infra-lab.component',
  role: 'dev.infra-lab.role',
  server: 'dev.infra-lab.server',
  flavor: 'dev.infra-lab.flavor',
  configHash: 'dev.infra-lab.config-hash',
  /** Containers infra-lab starts beside a lab's compose project (the probe, blue-green twins), by project name. */
  helper: 'dev.infra-lab.helper',
  /** On a probe: host:pid of the infra-lab process it reports to; the probe is stale once that process is gone. */
  controller: 'dev.infra-lab.controller',
  /** On a network fault's helper: the fault mode it holds (latency, loss, bandwidth, partition). */
  fault: 'dev.infra-lab.fault',
} as const;
