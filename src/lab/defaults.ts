import { parseRate, parseTime } from './quantities.js';
import type { BalanceAlgorithm, Component, DnsRecord, FaultMode, FaultOptions, ServerFaultMode, HealthCheck, Lab, ProxySettings, RestartPolicy, Role, Scenario, ScenarioAction } from './model.js';

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
  restart?: RestartPolicy;
  balance?: BalanceAlgorithm;
  health_check?: { interval_ms?: number; fall?: number; rise?: number };
  retries?: number;
  proxy?: { retry?: boolean; connect_timeout_ms?: number; read_timeout_ms?: number };
}

/**
 * The tuning knobs' defaults: what infra-lab rendered before a lab file could set them
 * (documented in the schema and the README; the golden files in test/golden/defaults hold them).
 */
export const KNOB_DEFAULTS: {
  restart: RestartPolicy;
  balance: BalanceAlgorithm;
  healthCheck: HealthCheck;
  retries: number;
  proxy: ProxySettings;
} = {
  restart: 'unless-stopped',
  balance: 'roundrobin',
  // HAProxy's own default (2 s, 3 failures) takes about 6 s to take a dead server out.
  healthCheck: { intervalMs: 500, fall: 2, rise: 2 },
  retries: 2,
  // nginx's own default waits 60 s to connect; on a lab's network 250 ms means nobody is there.
  proxy: { retry: true, connectTimeoutMs: 250, readTimeoutMs: 10_000 },
};

export interface RawScenario {
  name: string;
  title: string;
  break?: { component?: string; server?: string; mode?: FaultMode; delay?: string; jitter?: string; percent?: number; rate?: string; to?: string };
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
    restart: c.restart ?? KNOB_DEFAULTS.restart,
    ...(c.role === 'lb'
      ? {
          balance: c.balance ?? KNOB_DEFAULTS.balance,
          healthCheck: {
            intervalMs: c.health_check?.interval_ms ?? KNOB_DEFAULTS.healthCheck.intervalMs,
            fall: c.health_check?.fall ?? KNOB_DEFAULTS.healthCheck.fall,
            rise: c.health_check?.rise ?? KNOB_DEFAULTS.healthCheck.rise,
          },
          retries: c.retries ?? KNOB_DEFAULTS.retries,
        }
      : {}),
    ...(c.role === 'web'
      ? {
          proxy: {
            retry: c.proxy?.retry ?? KNOB_DEFAULTS.proxy.retry,
            connectTimeoutMs: c.proxy?.connect_timeout_ms ?? KNOB_DEFAULTS.proxy.connectTimeoutMs,
            readTimeoutMs: c.proxy?.read_timeout_ms ?? KNOB_DEFAULTS.proxy.readTimeoutMs,
          },
        }
      : {}),
  };
}

function toRecord(r: RawLab['dns']['records'][number]): DnsRecord {
  if (r.type === 'A') return { name: r.name, type: 'A', component: r.component! };
  return { name: r.name, type: r.type, target: r.target! };
}

/** Exactly one action key is present (checked in check.ts). */
export function toAction(s: RawScenario): ScenarioAction {
  if (s.break?.server !== undefined) return { kind: 'break-server', server: s.break.server, mode: (s.break.mode ?? 'kill') as ServerFaultMode };
  if (s.break) {
    const b = s.break;
    const options: FaultOptions = {
      ...(b.delay !== undefined ? { delayMs: parseTime(b.delay) } : {}),
      ...(b.jitter !== undefined ? { jitterMs: parseTime(b.jitter) } : {}),
      ...(b.percent !== undefined ? { percent: b.percent } : {}),
      ...(b.rate !== undefined ? { rateKbit: parseRate(b.rate) } : {}),
      ...(b.to !== undefined ? { peer: b.to } : {}),
    };
    return { kind: 'break', component: b.component!, mode: b.mode ?? 'kill', ...(Object.keys(options).length ? { options } : {}) };
  }
  if (s.restart) return { kind: 'restart', component: s.restart.component };
  if (s.deploy) return { kind: 'deploy', strategy: s.deploy.strategy };
  return { kind: 'scale', ...s.scale! };
}
