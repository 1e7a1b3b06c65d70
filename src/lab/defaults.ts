import type { Component, DnsRecord, FaultMode, Lab, Role, Scenario, ScenarioAction } from './model.js';

/** A lab file as written, after schema validation: snake_case fields, defaults not yet applied. */
export interface RawComponent {
  name: string;
  role: Role;
  image?: Role;
  server?: string;
  networks: string[];
  replicas?: number;
  max_replicas?: number;
  upstreams?: string[];
  database?: { write: string; read: string };
  replica_of?: string;
  cpus?: number;
  cpu_cost_ms?: number;
  tls?: boolean;
  scrapes?: string[];
}

export interface RawScenario {
  name: string;
  title: string;
  break?: { component: string; mode?: FaultMode };
  restart?: { component: string };
  deploy?: { strategy: 'recreate' | 'rolling' | 'blue-green' };
  scale?: { component: string; from: number; to: number };
  expect: Scenario['expect'];
}

export interface RawLab {
  name: string;
  title: string;
  stage: Lab['stage'];
  description: string;
  domain: string;
  networks: { name: string; description?: string; internal?: boolean }[];
  components: RawComponent[];
  dns: { records: { name: string; type: DnsRecord['type']; component?: string; target?: string }[] };
  entrypoints: Lab['entrypoints'];
  scenarios?: RawScenario[];
  questions?: string[];
}

/** Apply defaults; the raw lab has passed the schema and the semantic checks. */
export function toLab(raw: RawLab, source: string): Lab {
  return {
    name: raw.name,
    title: raw.title,
    stage: raw.stage,
    description: raw.description.trim(),
    domain: raw.domain.toLowerCase().replace(/\.$/, ''),
    networks: raw.networks.map((n) => ({ name: n.name, description: n.description ?? '', internal: n.internal ?? false })),
    components: raw.components.map(toComponent),
    dns: raw.dns.records.map(toRecord),
    entrypoints: raw.entrypoints,
    scenarios: (raw.scenarios ?? []).map((s) => ({ name: s.name, title: s.title, action: toAction(s), expect: s.expect })),
    questions: raw.questions ?? [],
    source,
  };
}

function toComponent(c: RawComponent): Component {
  const replicas = c.replicas ?? 1;
  return {
    name: c.name,
    role: c.role,
    image: c.image ?? c.role,
    server: c.server ?? c.name,
    networks: c.networks,
    replicas,
    maxReplicas: Math.max(c.max_replicas ?? replicas, replicas),
    upstreams: c.upstreams ?? [],
    database: c.database,
    replicaOf: c.replica_of,
    cpus: c.cpus,
    cpuCostMs: c.cpu_cost_ms,
    tls: c.tls ?? false,
    scrapes: c.scrapes ?? [],
  };
}

function toRecord(r: RawLab['dns']['records'][number]): DnsRecord {
  if (r.type === 'A') return { name: r.name, type: 'A', component: r.component! };
  return { name: r.name, type: r.type, target: r.target! };
}

/** Exactly one action key is present (checked in check.ts). */
export function toAction(s: RawScenario): ScenarioAction {
  if (s.break) return { kind: 'break', component: s.break.component, mode: s.break.mode ?? 'kill' };
  if (s.restart) return { kind: 'restart', component: s.restart.component };
  if (s.deploy) return { kind: 'deploy', strategy: s.deploy.strategy };
  return { kind: 'scale', ...s.scale! };
}
