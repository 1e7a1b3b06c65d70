import { SERVER_FAULT_MODES, type Role } from './model.js';
import { FAULT_RANGES, inRange, parseRate, parseTime } from './quantities.js';
import type { RawLab } from './defaults.js';
import { closest } from './suggest.js';

/** A problem found in a lab that passed the schema: where (path, optionally a key there) and what. */
export interface Problem {
  path: (string | number)[];
  key?: string;
  message: string;
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 63 characters each, 253 in all. */
export function domainProblem(domain: string): string | undefined {
  const d = domain.replace(/\.$/, '');
  if (d.length > 253) return 'is longer than 253 characters';
  const labels = d.split('.');
  if (labels.length < 2) return 'needs at least two labels, like foobar.com';
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label (two dots in a row?)';
    if (label.length > 63) return `has a label longer than 63 characters ('${label.slice(0, 20)}...')`;
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(label))
      return `has an invalid label '${label}': letters, digits and '-' only, not at either end`;
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return 'has an all-numeric top-level label';
  return undefined;
}

const LABELS = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*';
const RECORD_NAME = new RegExp(`^(@|\\*|${LABELS})$`);
/** What a CNAME or NS record points to: a name in the zone, or a fully qualified one ending in a dot. */
const RECORD_TARGET = new RegExp(`^(@|${LABELS}\\.?)$`);
/** The longest name the zone itself adds to the domain (the SOA's mailbox, hostmaster.<domain>) must fit in 253. */
export const MAX_LAB_DOMAIN = 253 - 'hostmaster.'.length;

/** Which roles may be forwarded to by which. */
const UPSTREAM_ROLES: Partial<Record<Role, Role[]>> = { lb: ['web', 'app'], web: ['app'] };

type Add = (path: Problem['path'], message: string, key?: string) => void;
type ByName = Map<string, RawLab['components'][number]>;

/** Semantic checks the schema cannot express: references, uniqueness, DNS conflicts, what the zone and the address plan can hold. */
export function checkLab(lab: RawLab): Problem[] {
  const problems: Problem[] = [];
  const add: Add = (path, message, key) => problems.push({ path, message, key });
  checkDomain(lab, add);
  const networkNames = lab.networks.map((n) => n.name);
  duplicates(networkNames).forEach((i) => add(['networks', i, 'name'], `networks[${i}]: the network name '${networkNames[i]}' is used twice`));
  const names = lab.components.map((c) => c.name);
  duplicates(names).forEach((i) => add(['components', i, 'name'], `components[${i}]: the component name '${names[i]}' is used twice; names must be unique`));
  const byName: ByName = new Map(lab.components.map((c) => [c.name, c]));
  checkComponents(lab, byName, add);
  checkReachable(lab, byName, add);
  checkRolesPresent(lab, add);
  checkAddressPlan(lab, add);
  checkRecords(lab, byName, add);
  checkZone(lab, add);
  checkEntrypoints(lab, byName, add);
  checkScenarios(lab, byName, add);
  return problems;
}

function checkDomain(lab: RawLab, add: Add) {
  const domainIssue = domainProblem(lab.domain);
  if (domainIssue) add(['domain'], `domain: '${lab.domain}' is not a valid domain name: it ${domainIssue}`);
  else if (lab.domain.replace(/\.$/, '').length > MAX_LAB_DOMAIN)
    add(['domain'], `domain: it is ${lab.domain.replace(/\.$/, '').length} characters; the zone's own names (hostmaster.<domain>) must fit in 253, so a lab's domain has at most ${MAX_LAB_DOMAIN}`);
}

/** A reference to a component by name: it must exist, and have one of the roles where roles are given. */
function refChecker(byName: ByName, add: Add) {
  const names = [...byName.keys()];
  return (path: Problem['path'], name: string, what: string, roles?: Role[]) => {
    const c = byName.get(name);
    if (!c) {
      const hint = closest(name, names);
      add(path, `${fieldPath(path)}: no component named '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; components: ${names.join(', ')}`);
    } else if (roles && !roles.includes(c.role)) {
      add(path, `${fieldPath(path)}: '${name}' is a ${c.role} component, but ${what} must be one of the roles ${roles.join(', ')}`);
    }
  };
}

function checkComponents(lab: RawLab, byName: ByName, add: Add) {
  const networkNames = lab.networks.map((n) => n.name);
  const ref = refChecker(byName, add);
  lab.components.forEach((c, i) => {
    const at = (...rest: (string | number)[]) => ['components', i, ...rest];
    c.networks.forEach((n, j) => {
      if (!networkNames.includes(n)) {
        const hint = closest(n, networkNames);
        add(at('networks', j), `components[${i}].networks: no network named '${n}'${hint ? ` (did you mean '${hint}'?)` : ''}; networks: ${networkNames.join(', ')}`);
      }
    });
    const onlyFor = (field: keyof typeof c, roles: Role[]) => {
      if (c[field] !== undefined && !roles.includes(c.role))
        add(at(), `components[${i}] (${c.name}): '${field}' only applies to ${roles.join(' or ')} components, not ${c.role}`, field);
    };
    onlyFor('upstreams', ['lb', 'web']);
    onlyFor('database', ['app']);
    onlyFor('replica_of', ['db']);
    onlyFor('cpu_cost_ms', ['app']);
    onlyFor('tls', ['lb']);
    onlyFor('scrapes', ['monitor']);
    checkKnobRoles(c, i, add);
    const allowed = UPSTREAM_ROLES[c.role];
    if (allowed && !c.upstreams?.length) add(at(), `components[${i}] (${c.name}): a ${c.role} component needs 'upstreams', the ${allowed.join(' or ')} components it forwards to`);
    c.upstreams?.forEach((u, j) => ref(at('upstreams', j), u, `an upstream of a ${c.role}`, allowed));
    for (const field of ['networks', 'upstreams', 'scrapes'] as const)
      duplicates(c[field] ?? []).forEach((j) => add(at(field, j), `components[${i}].${field}: '${c[field]![j]}' is listed twice; name each once`));
    if (c.role === 'app' && !c.database) add(at(), `components[${i}] (${c.name}): an app component needs 'database' with the write and read db components`);
    if (c.database) {
      ref(at('database', 'write'), c.database.write, 'the write database', ['db']);
      ref(at('database', 'read'), c.database.read, 'the read database', ['db']);
    }
    if (c.replica_of !== undefined) {
      if (c.replica_of === c.name) add(at('replica_of'), `components[${i}].replica_of: a database cannot replicate from itself`);
      else ref(at('replica_of'), c.replica_of, 'the primary of a replica', ['db']);
    }
    c.scrapes?.forEach((s, j) => ref(at('scrapes', j), s, 'a scrape target', ['lb', 'web', 'app']));
    if (c.max_replicas !== undefined && c.max_replicas < (c.replicas ?? 1))
      add(at('max_replicas'), `components[${i}].max_replicas (${c.max_replicas}) is below replicas (${c.replicas})`);
    if ((c.replicas ?? 1) > 1 && c.role !== 'app' && c.role !== 'web')
      add(at('replicas'), `components[${i}].replicas: only app and web components can run several replicas; give each ${c.role} its own component`);
  });
}

function checkRolesPresent(lab: RawLab, add: Add) {
  for (const role of ['dns', 'app', 'db'] as const) {
    if (!lab.components.some((c) => c.role === role))
      add(['components'], `components: a lab needs at least one ${role} component (roles present: ${[...new Set(lab.components.map((c) => c.role))].join(', ')})`);
  }
  if (!lab.components.some((c) => c.role === 'web' || c.role === 'lb'))
    add(['components'], 'components: a lab needs a web or lb component to receive the users\' requests');
  const primaries = lab.components.filter((c) => c.role === 'db' && !c.replica_of);
  if (lab.components.some((c) => c.role === 'db') && primaries.length === 0)
    add(['components'], 'components: every db component is a replica; one must be the primary (no replica_of)');
}

function checkEntrypoints(lab: RawLab, byName: ByName, add: Add) {
  const ref = refChecker(byName, add);
  const epNames = lab.entrypoints.map((e) => e.name);
  duplicates(epNames).forEach((i) => add(['entrypoints', i, 'name'], `entrypoints[${i}]: the entry point name '${epNames[i]}' is used twice`));
  lab.entrypoints.forEach((e, i) => {
    ref(['entrypoints', i, 'component'], e.component, 'an entry point');
    const c = byName.get(e.component);
    const same = lab.entrypoints.findIndex((o) => o.component === e.component && o.port === e.port);
    if (same < i)
      add(['entrypoints', i, 'port'], `entrypoints[${i}]: ${e.component} already publishes port ${e.port} (entrypoints[${same}], ${lab.entrypoints[same].name}); give each entry point of a component its own port`);
    const internal = new Set(lab.networks.filter((n) => n.internal).map((n) => n.name));
    if (c && c.networks.every((n) => internal.has(n)))
      add(['entrypoints', i, 'component'], `entrypoints[${i}]: ${e.component} is only on internal networks (${c.networks.join(', ')}), and Docker cannot publish a port from there; add a network that is not internal`);
  });
}

function checkScenarios(lab: RawLab, byName: ByName, add: Add) {
  const ref = refChecker(byName, add);
  const scenarioNames = (lab.scenarios ?? []).map((s) => s.name);
  duplicates(scenarioNames).forEach((i) => add(['scenarios', i, 'name'], `scenarios[${i}]: the scenario name '${scenarioNames[i]}' is used twice`));
  (lab.scenarios ?? []).forEach((s, i) => {
    const actions = (['break', 'restart', 'deploy', 'scale'] as const).filter((k) => s[k] !== undefined);
    if (actions.length !== 1)
      add(['scenarios', i], `scenarios[${i}] (${s.name}): give exactly one action of break, restart, deploy, scale (found ${actions.length ? actions.join(' and ') : 'none'})`);
    for (const k of ['break', 'restart', 'scale'] as const) {
      const target = s[k]?.component;
      if (target !== undefined) ref(['scenarios', i, k, 'component'], target, `the component of a ${k} scenario`);
    }
    if (s.break?.to !== undefined) ref(['scenarios', i, 'break', 'to'], s.break.to, 'the peer of a partition');
    const servers = new Set((lab.components ?? []).map((c) => c.server ?? c.name));
    if (s.break?.server !== undefined && !servers.has(s.break.server))
      add(['scenarios', i, 'break', 'server'], `scenarios[${i}].break.server: no component is on '${s.break.server}'; servers: ${[...servers].join(', ')}`);
    if (s.break?.server !== undefined && !(SERVER_FAULT_MODES as readonly string[]).includes(s.break.mode ?? 'kill'))
      add(['scenarios', i, 'break', 'mode'], `scenarios[${i}].break.mode: a server can be broken with ${SERVER_FAULT_MODES.join(', ')}`);
    for (const [field, key, parse] of [['delay', 'delayMs', parseTime], ['jitter', 'jitterMs', parseTime], ['rate', 'rateKbit', parseRate]] as const) {
      const text = s.break?.[field];
      const n = text === undefined ? undefined : parse(text);
      if (n !== undefined && !inRange(key, n))
        add(['scenarios', i, 'break', field], `scenarios[${i}].break.${field}: ${text} is outside ${FAULT_RANGES[key].min} to ${FAULT_RANGES[key].max} ${key === 'rateKbit' ? 'kbit/s' : 'ms'}`);
    }
    if (s.scale) {
      const c = byName.get(s.scale.component);
      if (c && s.scale.to > Math.max(c.max_replicas ?? 1, c.replicas ?? 1))
        add(['scenarios', i, 'scale', 'to'], `scenarios[${i}].scale.to: ${s.scale.component} allows at most ${Math.max(c.max_replicas ?? 1, c.replicas ?? 1)} replicas (max_replicas)`);
    }
  });
}

/** A role in words, with its article: "web-1 is a web server". */
const ROLE_WORDS: Record<Role, string> = {
  dns: 'a DNS server',
  lb: 'a load balancer',
  web: 'a web server',
  app: 'an app server',
  db: 'a database',
  monitor: 'a monitor',
};

/** The tuning knobs of one role: set on a component of another role, they would do nothing, so they are refused. */
const KNOB_ROLES: { field: 'balance' | 'health_check' | 'retries' | 'proxy'; role: Role; does: string; instead?: Partial<Record<Role, string>> }[] = [
  { field: 'balance', role: 'lb', does: 'balances requests over servers', instead: { web: "a web server prefers its first upstream and falls back to the others" } },
  { field: 'health_check', role: 'lb', does: 'checks the health of its servers' },
  { field: 'retries', role: 'lb', does: 'has retries', instead: { web: "a web server's retry is proxy.retry" } },
  { field: 'proxy', role: 'web', does: 'has proxy settings', instead: { lb: "a load balancer's settings are balance, health_check and retries" } },
];

function checkKnobRoles(c: RawLab['components'][number], i: number, add: (p: Problem['path'], m: string, k?: string) => void) {
  for (const k of KNOB_ROLES) {
    if (c[k.field] === undefined || c.role === k.role) continue;
    const instead = k.instead?.[c.role];
    add(
      ['components', i],
      `components[${i}].${k.field}: only ${ROLE_WORDS[k.role]} (role ${k.role}) ${k.does}; ${c.name} is ${ROLE_WORDS[c.role]}${instead ? ` (${instead})` : ''}`,
      k.field,
    );
  }
}

function checkRecords(lab: RawLab, byName: Map<string, RawLab['components'][number]>, add: (p: Problem['path'], m: string, k?: string) => void) {
  const records = lab.dns.records;
  const names = records.map((r) => normalizeName(r.name, lab.domain));
  records.forEach((r, i) => {
    const at = (...rest: (string | number)[]) => ['dns', 'records', i, ...rest];
    if (!RECORD_NAME.test(r.name.toLowerCase()))
      add(at('name'), `dns.records[${i}].name: '${r.name}' is not a valid record name: '@' for the domain itself, or labels of letters, digits and '-'`);
    else if (names[i].length > 253)
      add(at('name'), `dns.records[${i}].name: '${r.name}.${lab.domain}' is longer than 253 characters, the most a DNS name may have`);
    if (r.target !== undefined) {
      if (!RECORD_TARGET.test(r.target.toLowerCase()))
        add(at('target'), `dns.records[${i}].target: '${r.target}' is not a valid name: '@', a name in the zone, or a full name ending in '.'`);
      else if (normalizeName(r.target, lab.domain).length > 253)
        add(at('target'), `dns.records[${i}].target: '${r.target}' is longer than 253 characters as a full name`);
    }
    if (r.type === 'A') {
      if (r.target !== undefined) add(at(), `dns.records[${i}]: an A record names a 'component' whose address it holds, not a 'target'`, 'target');
      if (r.component === undefined) add(at(), `dns.records[${i}]: an A record needs 'component', the component whose address it holds`);
      else {
        const c = byName.get(r.component);
        if (!c) add(at('component'), `dns.records[${i}].component: no component named '${r.component}'; components: ${[...byName.keys()].join(', ')}`);
        else if ((c.replicas ?? 1) > 1 || (c.max_replicas ?? 1) > 1)
          add(at('component'), `dns.records[${i}].component: '${r.component}' runs several replicas and has no single address for an A record`);
      }
    } else {
      if (r.component !== undefined) add(at(), `dns.records[${i}]: a ${r.type} record has a 'target' name, not a 'component'`, 'component');
      if (r.target === undefined) add(at(), `dns.records[${i}]: a ${r.type} record needs 'target', the name it points to`);
    }
    if (r.type === 'CNAME') {
      if (names[i] === lab.domain.toLowerCase().replace(/\.$/, ''))
        add(at('name'), `dns.records[${i}]: a CNAME cannot be at the zone apex '@', which holds the SOA and NS records`);
      const clash = names.findIndex((n, j) => j !== i && n === names[i]);
      if (clash >= 0)
        add(at('name'), `dns.records[${i}]: the CNAME '${r.name}' shares its name with dns.records[${clash}] (${records[clash].type}); a CNAME must be the only record at its name`);
      if (r.target !== undefined && normalizeName(r.target, lab.domain) === names[i])
        add(at('target'), `dns.records[${i}].target: the CNAME '${r.name}' points to itself`);
    }
  });
  checkCnameLoops(records, names, lab.domain, add);
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const key = `${names[i]} ${r.type} ${r.component ?? r.target}`;
    if (seen.has(key)) add(['dns', 'records', i], `dns.records[${i}]: the same ${r.type} record for '${r.name}' appears twice`);
    seen.add(key);
  });
}

/** A chain of CNAMEs that comes back to where it started never ends at an address: resolvers give up (SERVFAIL). */
function checkCnameLoops(records: RawLab['dns']['records'], names: string[], domain: string, add: (p: Problem['path'], m: string, k?: string) => void) {
  const cname = new Map<string, string>();
  records.forEach((r, i) => {
    if (r.type === 'CNAME' && r.target !== undefined && !cname.has(names[i])) cname.set(names[i], normalizeName(r.target, domain));
  });
  const reported = new Set<string>();
  records.forEach((r, i) => {
    if (r.type !== 'CNAME' || reported.has(names[i])) return;
    const chain = [names[i]];
    for (let next = cname.get(names[i]); next !== undefined && chain.length <= cname.size; next = cname.get(next)) {
      if (next === names[i]) {
        if (chain.length > 1) add(['dns', 'records', i, 'target'], `dns.records[${i}]: the CNAMEs ${[...chain, next].join(' -> ')} form a loop; a chain of CNAMEs must end at a name with an A record`);
        chain.forEach((n) => reported.add(n));
        return;
      }
      chain.push(next);
    }
  });
}

/** Which component must reach which, and why; each pair must share a network, or the request never arrives. */
function checkReachable(lab: RawLab, byName: Map<string, RawLab['components'][number]>, add: (p: Problem['path'], m: string, k?: string) => void) {
  lab.components.forEach((c, i) => {
    const needs: { path: Problem['path']; to: string; why: string }[] = [
      ...(c.upstreams ?? []).map((to, j) => ({ path: ['components', i, 'upstreams', j], to, why: 'forwards requests to' })),
      ...(c.database ? [{ path: ['components', i, 'database', 'write'], to: c.database.write, why: 'writes to' }] : []),
      ...(c.database && c.database.read !== c.database.write ? [{ path: ['components', i, 'database', 'read'], to: c.database.read, why: 'reads from' }] : []),
      ...(c.replica_of ? [{ path: ['components', i, 'replica_of'], to: c.replica_of, why: 'replicates from' }] : []),
      ...(c.scrapes ?? []).map((to, j) => ({ path: ['components', i, 'scrapes', j], to, why: 'scrapes' })),
    ];
    for (const n of needs) {
      const target = byName.get(n.to);
      if (!target || target === c || c.networks.some((x) => target.networks.includes(x))) continue;
      add(
        n.path,
        `components[${i}] (${c.name}) ${n.why} ${n.to}, but they share no network (${c.name}: ${c.networks.join(', ')}; ${n.to}: ${target.networks.join(', ')}); put both on one network`,
      );
    }
  });
}

/** Fully qualified, lower-case form of a record name relative to the domain. */
export function normalizeName(name: string, domain: string): string {
  const d = domain.toLowerCase().replace(/\.$/, '');
  const n = name.toLowerCase();
  if (n === '@') return d;
  if (n.endsWith('.')) return n.slice(0, -1);
  return `${n}.${d}`;
}

function duplicates(values: string[]): number[] {
  return values.map((v, i) => (values.indexOf(v) !== i ? i : -1)).filter((i) => i >= 0);
}

const fieldPath = (p: Problem['path']) =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

/**
 * The address plan of render/addresses.ts: each network a /24, whose lower half holds the fixed
 * addresses (.10 upwards, one per component in lab order) and whose upper half (.128/25, 127
 * addresses below the broadcast) the replicas' dynamic ones. A lab that needs more is refused here,
 * with the line, rather than rendered into addresses like 10.202.29.256 or into Docker's own range.
 */
export const ADDRESS_PLAN = { firstFixedHost: 10, lastFixedHost: 127, dynamicHosts: 127 } as const;
export const MAX_COMPONENTS = ADDRESS_PLAN.lastFixedHost - ADDRESS_PLAN.firstFixedHost + 1;

const maxReplicasOf = (c: RawLab['components'][number]) => Math.max(c.max_replicas ?? 1, c.replicas ?? 1);

function checkAddressPlan(lab: RawLab, add: Add) {
  const over = lab.components.findIndex((c, i) => maxReplicasOf(c) <= 1 && ADDRESS_PLAN.firstFixedHost + i > ADDRESS_PLAN.lastFixedHost);
  if (over >= 0)
    add(
      ['components', over],
      `components[${over}] (${lab.components[over].name}): the address plan gives each component a fixed address from .${ADDRESS_PLAN.firstFixedHost} to .${ADDRESS_PLAN.lastFixedHost} of its networks, in lab order, so a lab has at most ${MAX_COMPONENTS} components; this is component ${over + 1} of ${lab.components.length}`,
    );
  for (const n of lab.networks) {
    const replicated = lab.components.map((c, i) => ({ c, i })).filter(({ c }) => maxReplicasOf(c) > 1 && c.networks.includes(n.name));
    let sum = 0;
    const at = replicated.find(({ c }) => (sum += maxReplicasOf(c)) > ADDRESS_PLAN.dynamicHosts);
    if (at)
      add(
        ['components', at.i],
        `components[${at.i}] (${at.c.name}): the replicas on network ${n.name} would need more than the ${ADDRESS_PLAN.dynamicHosts} addresses its upper half holds (max_replicas counted); give fewer replicas`,
        'max_replicas',
      );
  }
}

/**
 * What BIND refuses to load or serve, beyond single records: an NS record whose server is a CNAME or
 * has no address in the zone, NS records that leave the zone's apex without one, and a CNAME at
 * ns1 beside the address infra-lab gives the zone's name server there when the lab names none.
 */
function checkZone(lab: RawLab, add: Add) {
  const records = lab.dns.records;
  const domain = lab.domain.toLowerCase().replace(/\.$/, '');
  const names = records.map((r) => normalizeName(r.name, lab.domain));
  const inZone = (n: string) => n === domain || n.endsWith(`.${domain}`);
  const typesAt = (n: string) => new Set(records.filter((_, j) => names[j] === n).map((r) => r.type));
  const ns = records.map((r, i) => ({ r, i })).filter(({ r }) => r.type === 'NS');
  for (const { r, i } of ns) {
    if (names[i] !== domain) {
      add(['dns', 'records', i, 'name'], `dns.records[${i}].name: an NS record names the zone's own name server, at '@'; '${r.name}' would hand that name to another server, which the lab does not have`);
      continue;
    }
    if (r.target === undefined || !RECORD_TARGET.test(r.target.toLowerCase())) continue;
    const target = normalizeName(r.target, lab.domain);
    const at = typesAt(target);
    if (at.has('CNAME'))
      add(['dns', 'records', i, 'target'], `dns.records[${i}].target: '${r.target}' is a CNAME; an NS record must name a server with an address (an A record), or BIND refuses the zone`);
    else if (inZone(target) && !at.has('A'))
      add(['dns', 'records', i, 'target'], `dns.records[${i}].target: '${r.target}' has no A record in the zone, and BIND refuses a zone whose name server has no address; add an A record for it (component: the dns server)`);
  }
  if (ns.length === 0) {
    const ns1 = normalizeName('ns1', lab.domain);
    const i = records.findIndex((r, j) => r.type === 'CNAME' && names[j] === ns1);
    if (i >= 0)
      add(['dns', 'records', i, 'name'], `dns.records[${i}]: ns1 is the zone's name server (infra-lab adds ns1 with the DNS server's address when the lab has no NS record), and a CNAME cannot share its name; name the CNAME otherwise, or give NS and A records of your own`);
  }
}
