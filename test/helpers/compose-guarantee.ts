import { parse } from 'yaml';
import type { Lab } from '../../src/lab/model.js';
import { imageFor, type Flavor } from '../../src/render/flavors.js';

/** What a service of a generated compose file may hold; anything else (privileged, cap_add, network_mode, devices...) is a violation. */
const SERVICE_KEYS = new Set(['image', 'command', 'user', 'init', 'restart', 'scale', 'hostname', 'cpus', 'mem_limit', 'environment', 'volumes', 'networks', 'ports', 'healthcheck', 'depends_on', 'labels']);
const NETWORK_KEYS = new Set(['internal', 'ipam', 'labels']);
const VOLUME_KEYS = new Set(['labels']);
const PORT = /^\$\{BIND_ADDRESS:-127\.0\.0\.1\}::(\d+)(\/(tcp|udp))?$/;

type Doc = Record<string, unknown>;
const keys = (x: unknown) => (x && typeof x === 'object' ? Object.keys(x) : []);
const sorted = (xs: Iterable<string>) => [...xs].sort();

/**
 * Checks the promise of the README about a generated docker-compose.yml, structurally: exactly the
 * services, networks, volumes, mounts and ports the lab describes; no host paths, host network,
 * published port off 127.0.0.1, capabilities, privileged mode or image outside the flavor.
 * The file is read as YAML 1.1, as compose v1 (PyYAML) reads it. Returns the violations found.
 */
export function guaranteeViolations(text: string, lab: Lab, flavor: Flavor): string[] {
  const v: string[] = [];
  const doc = parse(text, { version: '1.1' }) as Doc;
  const expect = (ok: boolean, what: string) => ok || v.push(what);
  expect(sorted(keys(doc)).join() === sorted(['services', 'networks', ...(lab.components.some((c) => c.role === 'db') ? ['volumes'] : [])]).join(), `top-level keys ${keys(doc)}`);
  const services = (doc.services ?? {}) as Record<string, Doc>;
  expect(sorted(keys(services)).join() === sorted(lab.components.map((c) => c.name)).join(), `services ${keys(services)}`);
  const images = new Set(lab.components.map((c) => imageFor(flavor, c.image)));
  const volumes = new Set(lab.components.filter((c) => c.role === 'db').map((c) => `${c.name}-data`));
  for (const c of lab.components) {
    const s = services[c.name];
    if (!s) continue;
    for (const k of keys(s)) expect(SERVICE_KEYS.has(k), `${c.name}: key ${k}`);
    // A lab file chooses a restart policy; it must arrive as the policy, not as YAML 1.1's false for an unquoted no.
    expect(s.restart === c.restart, `${c.name}: restart ${String(s.restart)}`);
    expect(typeof s.image === 'string' && images.has(s.image) && s.image === imageFor(flavor, c.image), `${c.name}: image ${String(s.image)}`);
    // Which user a service runs as is the image's business (root or not); it grants nothing outside the container.
    expect(s.user === undefined || typeof s.user === 'string', `${c.name}: user ${String(s.user)}`);
    expect(sorted(keys(s.networks)).join() === sorted(c.networks).join(), `${c.name}: networks ${keys(s.networks)}`);
    for (const n of Object.values((s.networks ?? {}) as Record<string, Doc>)) for (const k of keys(n)) expect(k === 'ipv4_address', `${c.name}: network setting ${k}`);
    for (const m of (s.volumes ?? []) as unknown[]) {
      expect(typeof m === 'string', `${c.name}: a mount that is not a string`);
      const [source, target, mode, ...rest] = String(m).split(':');
      const projectFile = source.startsWith('./') && !source.split('/').includes('..');
      expect(projectFile || volumes.has(source), `${c.name}: mount source ${source}`);
      expect(target?.startsWith('/') && rest.length === 0 && (mode === undefined || (projectFile && mode === 'ro')), `${c.name}: mount ${String(m)}`);
    }
    const published = ((s.ports ?? []) as unknown[]).map((p) => {
      const m = PORT.exec(String(p));
      expect(!!m, `${c.name}: port ${String(p)}`);
      return m ? `${m[1]}/${m[3] ?? 'tcp'}` : String(p);
    });
    const described = lab.entrypoints
      .filter((e) => e.component === c.name)
      .flatMap((e) => (e.protocol === 'dns' ? [`${e.port}/udp`, `${e.port}/tcp`] : [`${e.port}/tcp`]));
    expect(sorted(published).join() === sorted(described).join(), `${c.name}: ports ${published} instead of ${described}`);
    const labels = (s.labels ?? {}) as Doc;
    expect(labels['dev.infra-lab.lab'] === lab.name && labels['dev.infra-lab.component'] === c.name, `${c.name}: labels`);
  }
  const networks = (doc.networks ?? {}) as Record<string, Doc>;
  expect(sorted(keys(networks)).join() === sorted(lab.networks.map((n) => n.name)).join(), `networks ${keys(networks)}`);
  for (const n of lab.networks) {
    const net = networks[n.name] ?? {};
    for (const k of keys(net)) expect(NETWORK_KEYS.has(k), `network ${n.name}: key ${k}`);
    expect((net.internal ?? false) === n.internal, `network ${n.name}: internal ${String(net.internal)}`);
  }
  const declared = (doc.volumes ?? {}) as Record<string, Doc>;
  expect(sorted(keys(declared)).join() === sorted(volumes).join(), `volumes ${keys(declared)}`);
  for (const [name, vol] of Object.entries(declared)) for (const k of keys(vol)) expect(VOLUME_KEYS.has(k), `volume ${name}: key ${k}`);
  return v;
}
