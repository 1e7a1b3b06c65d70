/**
 * The lab model: what a lab file describes, after validation and defaults.
 * Everything outside src/lab works with these types; YAML never leaves this folder.
 */

export const ROLES = ['dns', 'lb', 'web', 'app', 'db', 'monitor'] as const;
export type Role = (typeof ROLES)[number];

/** How a component can be broken; each has its module in src/faults/modes/, which the registry there requires. */
export const FAULT_MODES = ['kill', 'stop', 'crash', 'pause', 'disconnect', 'latency', 'loss', 'bandwidth', 'partition', 'errors', 'slow'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** The modes that make sense for a whole machine: it dies, shuts down, freezes or loses its network. */
export const SERVER_FAULT_MODES = ['kill', 'stop', 'pause', 'disconnect'] as const satisfies readonly FaultMode[];
export type ServerFaultMode = (typeof SERVER_FAULT_MODES)[number];

/** The settings of the network fault modes; each mode takes some of them (see its module). */
export interface FaultOptions {
  /** latency: added to each answer of the component. */
  delayMs?: number;
  /** latency: up to this much more or less, at random. */
  jitterMs?: number;
  /** loss: the share of the component's packets dropped. */
  percent?: number;
  /** bandwidth: the rate the component may send at, kbit/s. */
  rateKbit?: number;
  /** partition: the component cut off from this one, in both directions. */
  peer?: string;
}

/** How `deploy` ships new code; a deploy scenario names one. */
export const STRATEGIES = ['recreate', 'rolling', 'blue-green'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** What Docker does when a component's container exits by itself (compose `restart`). */
export const RESTART_POLICIES = ['no', 'on-failure', 'always', 'unless-stopped'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** How a load balancer picks a server (HAProxy's `balance`). */
export const BALANCE_ALGORITHMS = ['roundrobin', 'leastconn', 'source'] as const;
export type BalanceAlgorithm = (typeof BALANCE_ALGORITHMS)[number];

/**
 * The ranges of the tuning knobs, the same as in schema/lab.schema.json (a unit test compares them):
 * the schema refuses a lab file outside them, and the renderer refuses a Lab outside them.
 */
export const KNOB_RANGES = {
  healthCheckIntervalMs: { min: 100, max: 60_000 },
  fall: { min: 1, max: 10 },
  rise: { min: 1, max: 10 },
  retries: { min: 0, max: 5 },
  timeoutMs: { min: 50, max: 120_000 },
} as const;

export const FAILURE_LAYERS = ['dns', 'connect', 'timeout', 'http', 'database'] as const;
export type FailureLayer = (typeof FAILURE_LAYERS)[number];

export interface Network {
  name: string;
  description: string;
  /** Internal networks have no route to the outside: the firewall of the lab. */
  internal: boolean;
}

export interface DatabaseLinks {
  /** Component that takes writes (the primary). */
  write: string;
  /** Component that serves reads (a replica, or the primary itself). */
  read: string;
}

/** A load balancer's health checks of its servers (HAProxy's `inter`, `fall`, `rise`). */
export interface HealthCheck {
  /** Time between two checks of a server. */
  intervalMs: number;
  /** Failed checks in a row that take a server out. */
  fall: number;
  /** Passed checks in a row that put it back. */
  rise: number;
}

/** How a web server passes requests to its app servers (nginx's proxy_* settings). */
export interface ProxySettings {
  /** Retry a request on the next app server when one cannot be reached or does not answer in time. */
  retry: boolean;
  /** How long nginx waits for a connection to an app server. */
  connectTimeoutMs: number;
  /** How long nginx waits for an app server's answer (between two reads). */
  readTimeoutMs: number;
}

export interface Component {
  name: string;
  role: Role;
  /** Which image the component runs; the role's image unless the lab says otherwise. */
  image: Role;
  /** The machine this component stands for, e.g. server-1: a lab shows which parts share a server. */
  server: string;
  networks: string[];
  replicas: number;
  /** Highest replica count `scale` accepts; equal to replicas when the component cannot scale. */
  maxReplicas: number;
  /** Components this one forwards requests to (web, lb), in order. */
  upstreams: string[];
  /** For app servers: where they write and read. */
  database?: DatabaseLinks;
  /** For a database replica: the primary it follows. */
  replicaOf?: string;
  /** CPU limit in cores (compose `cpus`), if any. */
  cpus?: number;
  /** Extra CPU time the app server burns per request, in milliseconds, so that scaling shows under load. */
  cpuCostMs?: number;
  /** For lb: terminate TLS for the domain with a certificate generated for the lab. */
  tls: boolean;
  /** For monitor: components scraped. */
  scrapes: string[];
  /** What Docker does when the container exits by itself. */
  restart: RestartPolicy;
  /** For lb (set for every lb, absent otherwise): how it picks a server. */
  balance?: BalanceAlgorithm;
  /** For lb (set for every lb, absent otherwise): its health checks of the servers behind it. */
  healthCheck?: HealthCheck;
  /** For lb (set for every lb, absent otherwise): how often a failed request is tried again on another server; 0 never. */
  retries?: number;
  /** For web (set for every web, absent otherwise): how it passes requests to its app servers. */
  proxy?: ProxySettings;
}

export type DnsRecord =
  | { name: string; type: 'A'; component: string }
  | { name: string; type: 'CNAME'; target: string }
  | { name: string; type: 'NS'; target: string };

export interface Entrypoint {
  name: string;
  component: string;
  port: number;
  protocol: 'http' | 'https' | 'dns' | 'monitor';
}

export interface Expectation {
  /** What the student should expect, in words. */
  says: string;
  /** none: no request may fail; some: failures are expected; all: every request fails while broken. */
  failures: 'none' | 'some' | 'all';
  /** The only layers failures may be classified in. */
  layers?: FailureLayer[];
  reads?: 'ok' | 'fail';
  writes?: 'ok' | 'fail';
  /** For scale scenarios: requests/s after scaling over before, at least. */
  min_throughput_ratio?: number;
  /** true: while broken, the p95 latency of successful requests is at least SLOWER_BY_MS above the baseline's; false: it is not. */
  slower?: boolean;
}

export type ScenarioAction =
  | { kind: 'break'; component: string; mode: FaultMode; options?: FaultOptions }
  /** Every component the lab places on the server, broken together, as when the machine goes away. */
  | { kind: 'break-server'; server: string; mode: ServerFaultMode }
  | { kind: 'restart'; component: string }
  | { kind: 'deploy'; strategy: Strategy }
  | { kind: 'scale'; component: string; from: number; to: number };

export interface Scenario {
  name: string;
  title: string;
  action: ScenarioAction;
  expect: Expectation;
}

export interface Lab {
  name: string;
  title: string;
  stage: 1 | 2 | 3 | 4;
  description: string;
  domain: string;
  networks: Network[];
  components: Component[];
  dns: DnsRecord[];
  entrypoints: Entrypoint[];
  scenarios: Scenario[];
  questions: string[];
  /** Where the lab was read from. */
  source: string;
}

export const component = (lab: Lab, name: string): Component | undefined =>
  lab.components.find((c) => c.name === name);

export const componentsWithRole = (lab: Lab, role: Role): Component[] =>
  lab.components.filter((c) => c.role === role);

/** A network fault's settings in a few words: "300 ms ± 50 ms", "30 %", "1000 kbit/s", "from db-primary". */
export function describeFaultOptions(o: FaultOptions): string {
  return [o.delayMs !== undefined ? `${o.delayMs} ms${o.jitterMs ? ` ± ${o.jitterMs} ms` : ''}` : '', o.percent !== undefined ? `${o.percent} %` : '', o.rateKbit !== undefined ? `${o.rateKbit} kbit/s` : '', o.peer !== undefined ? `from ${o.peer}` : '']
    .filter(Boolean)
    .join(' ');
}

/** A scenario's action in a few words, for listings, reports and charts. */
export function describeAction(a: ScenarioAction): string {
  switch (a.kind) {
    case 'break': {
      const how = describeFaultOptions(a.options ?? {});
      return `${a.mode} ${a.component}${how ? ` ${how}` : ''}`;
    }
    case 'break-server':
      return `${a.mode} server ${a.server}`;
    case 'restart':
      return `restart ${a.component}`;
    case 'deploy':
      return `deploy, ${a.strategy}`;
    case 'scale':
      return `scale ${a.component} ${a.from} -> ${a.to}`;
  }
}
