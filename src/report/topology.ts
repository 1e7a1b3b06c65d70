import type { Component, Lab, Role } from '../lab/model.js';

/**
 * The whiteboard drawing of a lab as data: servers holding components, networks as zones, the
 * domain's records and the request path. Pure: the renderers (DOT, Mermaid, the dashboard) draw it.
 */
export interface Topology {
  lab: string;
  title: string;
  domain: string;
  zones: Zone[];
  /** Networks no server is drawn in: their components say they are on them. */
  otherNetworks: { network: string; internal: boolean }[];
  components: TopologyComponent[];
  records: TopologyRecord[];
  edges: TopologyEdge[];
}

export interface Zone {
  network: string;
  description: string;
  /** An internal network has no route outside: the lab's firewall. */
  internal: boolean;
  servers: { name: string; components: string[] }[];
}

/** all: its loss cuts the path of every request; writes: of every write (reads still served). */
export type Spof = 'all' | 'writes' | 'reads';

export interface TopologyComponent {
  name: string;
  role: Role;
  server: string;
  replicas: number;
  maxReplicas: number;
  networks: string[];
  /** The networks besides the zone it is drawn in. */
  otherNetworks: string[];
  /** Whether it is on the network of the zone it is drawn in (a server's parts may sit on different networks). */
  inZone: boolean;
  spof?: Spof;
  tls: boolean;
  /** For monitoring: what it scrapes. */
  scrapes: string[];
}

export interface TopologyRecord {
  /** A stable id for renderers: rec-<n>. */
  id: string;
  fqdn: string;
  type: 'A' | 'CNAME' | 'NS';
  /** What it points at: a component (A) or a name (CNAME, NS). */
  value: string;
}

export type EdgeKind = 'dns' | 'http' | 'lb' | 'web' | 'db-write' | 'db-read' | 'replication' | 'record' | 'scrape';

export interface TopologyEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
  /** A path taken only when the preferred one is gone (nginx backups, the app reading from the primary). */
  fallback?: boolean;
}

/** A record's name as a full domain name: '@' is the apex, a trailing dot an absolute name. */
export const fqdnOf = (lab: Pick<Lab, 'domain'>, name: string) => (name === '@' ? lab.domain : name.endsWith('.') ? name.slice(0, -1) : `${name}.${lab.domain}`);

/** The node id of the user in edges. */
export const USER = 'user';

export function topologyOf(lab: Lab): Topology {
  const fqdn = (name: string) => fqdnOf(lab, name);
  const records: TopologyRecord[] = lab.dns.map((r, i) => ({
    id: `rec-${i}`,
    fqdn: fqdn(r.name),
    type: r.type,
    value: r.type === 'A' ? r.component : fqdn(r.target),
  }));
  const zoneOfServer = new Map<string, string>();
  for (const server of unique(lab.components.map((c) => c.server)))
    zoneOfServer.set(server, zoneOf(lab, lab.components.filter((c) => c.server === server)));
  const zones: Zone[] = lab.networks
    .map((n) => ({
      network: n.name,
      description: n.description,
      internal: n.internal,
      servers: [...zoneOfServer]
        .filter(([, z]) => z === n.name)
        .map(([server]) => ({ name: server, components: lab.components.filter((c) => c.server === server).map((c) => c.name) })),
    }))
    .filter((z) => z.servers.length > 0);
  const spofs = singlePointsOfFailure(lab);
  const components = lab.components.map((c) => ({
    name: c.name,
    role: c.role,
    server: c.server,
    replicas: c.replicas,
    maxReplicas: c.maxReplicas,
    networks: c.networks,
    otherNetworks: c.networks.filter((n) => n !== zoneOfServer.get(c.server)),
    inZone: c.networks.includes(zoneOfServer.get(c.server)!),
    spof: spofs.get(c.name),
    tls: c.tls,
    scrapes: c.scrapes,
  }));
  const otherNetworks = lab.networks.filter((n) => !zones.some((z) => z.network === n.name)).map((n) => ({ network: n.name, internal: n.internal }));
  return { lab: lab.name, title: lab.title, domain: lab.domain, zones, otherNetworks, components, records, edges: edgesOf(lab, records) };
}

/**
 * The zone a server is drawn in: the network all its components share, else the one most of them
 * are on (the earlier in the lab's list on a tie, which lab files order from the outside in).
 */
function zoneOf(lab: Lab, components: Component[]): string {
  const counts = lab.networks.map((n) => ({ name: n.name, n: components.filter((c) => c.networks.includes(n.name)).length }));
  const best = Math.max(...counts.map((c) => c.n));
  return counts.find((c) => c.n === best)!.name;
}

function edgesOf(lab: Lab, records: TopologyRecord[]): TopologyEdge[] {
  const edges: TopologyEdge[] = [];
  for (const dns of lab.components.filter((c) => c.role === 'dns')) edges.push({ from: USER, to: dns.name, kind: 'dns', label: `www.${lab.domain}?` });
  for (const r of records) {
    if (r.type === 'CNAME') for (const target of records.filter((t) => t.fqdn === r.value && t.type !== 'CNAME')) edges.push({ from: r.id, to: target.id, kind: 'record', label: 'CNAME' });
    if (r.type === 'A') edges.push({ from: r.id, to: r.value, kind: 'record', label: 'A' });
  }
  for (const entry of unique(userAddresses(lab))) edges.push({ from: USER, to: entry, kind: 'http', label: 'HTTP' });
  for (const c of lab.components) {
    if (c.role === 'lb') for (const u of c.upstreams) edges.push({ from: c.name, to: u, kind: 'lb' });
    // nginx sends to its first upstream and keeps the others as backups.
    if (c.role === 'web') c.upstreams.forEach((u, i) => edges.push({ from: c.name, to: u, kind: 'web', ...(i > 0 ? { fallback: true } : {}) }));
    if (c.database) {
      edges.push({ from: c.name, to: c.database.write, kind: 'db-write', label: c.database.read === c.database.write ? 'reads, writes' : 'writes' });
      if (c.database.read !== c.database.write) edges.push({ from: c.name, to: c.database.read, kind: 'db-read', label: 'reads' });
    }
    if (c.replicaOf) edges.push({ from: c.replicaOf, to: c.name, kind: 'replication', label: 'replication' });
    for (const s of c.scrapes) edges.push({ from: c.name, to: s, kind: 'scrape' });
  }
  return edges;
}

type Kind = 'read' | 'write';

/**
 * Components whose loss alone cuts the path: for every request, or for every write. A request needs
 * a DNS server, then one of the apex's addresses (clients try the next), then along the upstreams any
 * one that still serves, down to the database: writes need the primary, reads the read database or,
 * when it is gone, the primary (the app falls back). A component with several replicas survives the loss of one.
 */
export function singlePointsOfFailure(lab: Lab): Map<string, Spof> {
  const out = new Map<string, Spof>();
  for (const c of lab.components) {
    if (c.replicas > 1 || c.role === 'monitor') continue;
    const lost = new Set([c.name]);
    const reads = serves(lab, lost, 'read');
    const writes = serves(lab, lost, 'write');
    if (!reads && !writes) out.set(c.name, 'all');
    else if (!writes) out.set(c.name, 'writes');
    else if (!reads) out.set(c.name, 'reads');
  }
  return out;
}

function serves(lab: Lab, lost: Set<string>, kind: Kind): boolean {
  const alive = (name: string) => !lost.has(name) && lab.components.some((c) => c.name === name);
  if (!lab.components.some((c) => c.role === 'dns' && alive(c.name))) return false;
  const entries = userAddresses(lab);
  const reaches = (name: string, seen: Set<string>): boolean => {
    if (!alive(name) || seen.has(name)) return false;
    const c = lab.components.find((x) => x.name === name)!;
    const next = new Set([...seen, name]);
    if (c.role === 'lb' || c.role === 'web') return c.upstreams.length === 0 || c.upstreams.some((u) => reaches(u, next));
    if (c.role === 'app') {
      if (!c.database) return true;
      return kind === 'write' ? alive(c.database.write) : alive(c.database.read) || alive(c.database.write);
    }
    return c.role === 'db';
  };
  return entries.some((e) => reaches(e, new Set()));
}

/** The components www resolves to, following CNAMEs: where a user's browser connects. */
export function userAddresses(lab: Lab): string[] {
  const fqdn = (name: string) => fqdnOf(lab, name);
  let name = `www.${lab.domain}`;
  for (let hops = 0; hops < 8; hops++) {
    const here = lab.dns.filter((r) => fqdn(r.name) === name);
    const cname = here.find((r) => r.type === 'CNAME');
    if (!cname) return here.flatMap((r) => (r.type === 'A' ? [r.component] : []));
    name = fqdn((cname as { target: string }).target);
  }
  return [];
}

const unique = <T>(xs: T[]) => [...new Set(xs)];
