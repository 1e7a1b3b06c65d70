import { BALANCE_ALGORITHMS, KNOB_RANGES, RESTART_POLICIES, type Component, type Lab } from '../lab/model.js';
import { usageError } from '../errors.js';

/** Docker, DNS and every config format take these as they are: a name needs no quoting anywhere. */
const NAME = /^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/;
const LABELS = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** The domain is written into nginx, HAProxy, the zone file, named.conf, the Corefile and the healthcheck of the DNS server. */
const DOMAIN = (d: string) => d.length <= 242 && d.includes('.') && LABELS.test(d);
const RECORD_NAME = (n: string) => n === '@' || n === '*' || LABELS.test(n);
const RECORD_TARGET = (n: string) => n === '@' || LABELS.test(n.replace(/\.$/, ''));
/** Free text reaches README.md and comments only; no control characters but the line breaks of a description. */
const LINE = /^[^\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]*$/u;
const TEXT = /^[^\0-\x09\x0b-\x1f\x7f-\x9f\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]*$/u;

/**
 * The last check before a lab's values are written into text formats (nginx, HAProxy, the zone file,
 * named.conf, the Corefile, shell scripts, comments). Loading a lab file checks all of this with
 * positions and advice; this guards the formats against a Lab that did not come from the loader.
 */
export function assertRenderable(lab: Lab): void {
  const problems: string[] = [];
  const check = (ok: boolean, what: string, value: unknown) => ok || problems.push(`${what} ${JSON.stringify(value)}`);
  check(NAME.test(lab.name), 'the lab name', lab.name);
  check(DOMAIN(lab.domain), 'the domain', lab.domain);
  check(LINE.test(lab.title), 'the title', lab.title);
  check(TEXT.test(lab.description), 'the description', lab.description);
  for (const n of lab.networks) {
    check(NAME.test(n.name), 'the network', n.name);
    check(LINE.test(n.description), `the description of network ${n.name}`, n.description);
  }
  for (const c of lab.components) {
    const names = [c.name, c.server, ...c.networks, ...c.upstreams, ...c.scrapes, c.database?.write, c.database?.read, c.replicaOf];
    for (const n of names) if (n !== undefined) check(NAME.test(n), `a name of component ${c.name}`, n);
    for (const x of [c.replicas, c.maxReplicas, c.cpus ?? 1, c.cpuCostMs ?? 0]) check(Number.isFinite(x) && x >= 0, `a number of component ${c.name}`, x);
    knobProblems(c).forEach((p) => problems.push(p));
  }
  for (const r of lab.dns) {
    check(RECORD_NAME(r.name.toLowerCase()), 'the DNS record name', r.name);
    check(r.type === 'A' ? NAME.test(r.component) : RECORD_TARGET(r.target.toLowerCase()), `the DNS record ${r.name}'s value`, r.type === 'A' ? r.component : r.target);
  }
  for (const e of lab.entrypoints) check(NAME.test(e.component) && Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535, `entry point ${e.name}`, e);
  if (problems.length) throw usageError(`${lab.source}: cannot be written into the project's files: ${problems.join('; ')}`);
}

const within = (x: unknown, range: { min: number; max: number }) => Number.isInteger(x) && (x as number) >= range.min && (x as number) <= range.max;

/**
 * The tuning knobs reach HAProxy, nginx and the compose file: only the enums and the whole numbers of
 * their ranges, and only on the role that has them (the renderer reads them for that role alone).
 */
function knobProblems(c: Component): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string, value: unknown) => ok || problems.push(`${what} of component ${c.name} ${JSON.stringify(value)}`);
  check((RESTART_POLICIES as readonly unknown[]).includes(c.restart), 'the restart policy', c.restart);
  if (c.role === 'lb') {
    check((BALANCE_ALGORITHMS as readonly unknown[]).includes(c.balance), 'the balancing algorithm', c.balance);
    const h = c.healthCheck;
    check(
      !!h && within(h.intervalMs, KNOB_RANGES.healthCheckIntervalMs) && within(h.fall, KNOB_RANGES.fall) && within(h.rise, KNOB_RANGES.rise),
      'the health check',
      h,
    );
    check(within(c.retries, KNOB_RANGES.retries), 'the retries', c.retries);
  }
  if (c.role === 'web') {
    const p = c.proxy;
    check(
      !!p && typeof p.retry === 'boolean' && within(p.connectTimeoutMs, KNOB_RANGES.timeoutMs) && within(p.readTimeoutMs, KNOB_RANGES.timeoutMs),
      'the proxy settings',
      p,
    );
  }
  return problems;
}
