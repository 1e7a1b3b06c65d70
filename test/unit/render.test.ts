import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { resolveLab } from '../../src/lab/load.js';
import { renderProject, zoneRecords, type RenderInput } from '../../src/render/project.js';
import { yamlFile } from '../../src/render/yaml-file.js';
import { addressLab, blockFor, overlaps } from '../../src/render/addresses.js';
import { FLAVORS } from '../../src/render/flavors.js';
import { repoRoot } from '../helpers/cli.js';
import { fixedInput } from '../helpers/render-input.js';


// Golden files: the rendered single-server project, reviewed by a person.
// After an intended change, refresh them with UPDATE_GOLDEN=1 npm test and read the diff.
describe.each(FLAVORS)('single-server, %s flavor, matches the golden files', (flavor) => {
  const goldenDir = path.join(repoRoot, 'test', 'golden', 'single-server', flavor);
  const files = renderProject(fixedInput('single-server', flavor));
  if (process.env.UPDATE_GOLDEN) {
    fs.rmSync(goldenDir, { recursive: true, force: true });
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(goldenDir, f.path)), { recursive: true });
      fs.writeFileSync(path.join(goldenDir, f.path), f.content);
    }
  }
  test('the same set of files', () => {
    const listed = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listed(path.join(dir, e.name)).map((p) => `${e.name}/${p}`) : [e.name]));
    expect(files.map((f) => f.path).sort()).toEqual(listed(goldenDir).sort());
  });
  test.each(files.map((f) => [f.path, f.content]))('%s', (file, content) => {
    expect(content).toBe(fs.readFileSync(path.join(goldenDir, file), 'utf8'));
  });
});

test('every generated file starts with a comment saying what it is and that infra-lab wrote it', () => {
  for (const lab of ['single-server', 'distributed', 'secured-monitored', 'scale-up'])
    for (const flavor of FLAVORS)
      for (const f of renderProject(fixedInput(lab, flavor))) {
        const head = f.content.split('\n').slice(0, 3).join('\n');
        expect(head).toMatch(/^(#|;|\/\/|<!--)/);
        expect(head).toMatch(/infra-lab/);
      }
});

test('the zone has the apex A record, www as a CNAME to it, and the name server', () => {
  const lab = resolveLab('single-server');
  const addressing = addressLab(lab, '10.150.20');
  expect(zoneRecords(lab, addressing)).toEqual([
    { name: '@', type: 'NS', value: 'ns1' },
    { name: 'ns1', type: 'A', value: '10.150.20.10', comment: 'dns' },
    { name: '@', type: 'A', value: '10.150.20.11', comment: 'web' },
    { name: 'www', type: 'CNAME', value: '@' },
  ]);
});

test('scale-up publishes two apex A records, one per load balancer', () => {
  const lab = resolveLab('scale-up');
  const apex = zoneRecords(lab, addressLab(lab, '10.150.20')).filter((r) => r.name === '@' && r.type === 'A');
  expect(apex.map((r) => r.comment)).toEqual(['lb-1', 'lb-2']);
});

test('replicated components get no fixed address; the others one per network', () => {
  const lab = resolveLab('scale-up');
  const a = addressLab(lab, '10.150.20');
  expect(a.components.app).toBeUndefined();
  expect(a.components['lb-1']).toEqual({ public: '10.150.20.11', private: '10.150.21.11' });
  expect(a.networks.data).toEqual({ subnet: '10.150.23.0/24', ipRange: '10.150.23.128/25', gateway: '10.150.23.1' });
});

test('network blocks are stable per project, differ between projects, and stay in 10.96-10.223', () => {
  expect(blockFor('infra-lab-single-server')).toBe(blockFor('infra-lab-single-server'));
  expect(blockFor('infra-lab-single-server')).not.toBe(blockFor('infra-lab-distributed'));
  expect(blockFor('x', 0)).not.toBe(blockFor('x', 1));
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    const [ten, second, third] = blockFor(name).split('.').map(Number);
    expect(ten).toBe(10);
    expect(second).toBeGreaterThanOrEqual(96);
    expect(second).toBeLessThan(224);
    expect(third % 4).toBe(0);
  }
});

test('overlap of subnets', () => {
  expect(overlaps('10.1.0.0/22', '10.1.3.0/24')).toBe(true);
  expect(overlaps('10.1.0.0/22', '10.1.4.0/24')).toBe(false);
  expect(overlaps('172.17.0.0/16', '172.17.5.0/24')).toBe(true);
});

test('the debian flavor serves the zone with BIND, the official one with CoreDNS and an explicit -conf', () => {
  const official = renderProject(fixedInput('single-server', 'official'));
  const debian = renderProject(fixedInput('single-server', 'debian'));
  expect(official.map((f) => f.path)).toContain('config/dns/Corefile');
  expect(parse(official.find((f) => f.path === 'docker-compose.yml')!.content).services.dns.command).toEqual(['-conf', '/etc/coredns/Corefile']);
  expect(debian.map((f) => f.path)).toContain('config/dns/named.conf');
  const zone = (files: typeof official) => files.find((f) => f.path === 'config/dns/lab.zone')!.content;
  expect(zone(official)).toBe(zone(debian));
});

test('passwords come from .env, never from the compose file', () => {
  for (const f of renderProject(fixedInput('distributed', 'official'))) {
    expect(f.content).not.toContain('root-secret');
    expect(f.content).not.toContain('app-secret');
  }
});

test('a lab that did not come from the loader is still refused before its values reach a config format', () => {
  const lab = resolveLab('single-server');
  for (const bad of [{ ...lab, domain: 'foobar.com;\n@ IN A 1.2.3.4' }, { ...lab, title: 'x\ry' }, { ...lab, components: lab.components.map((c) => ({ ...c, server: 's1 }' })) }])
    expect(() => renderProject({ ...fixedInput('single-server', 'official'), lab: bad })).toThrow(/cannot be written into the project's files/);
});

test('a comment of a generated YAML file cannot be ended early by what it quotes', () => {
  const text = yamlFile({ a: 1 }, { header: ['title: x\rb: 2\u2028c: 3\u0085d: 4\ne: 5'] });
  expect(parse(text, { version: '1.1' })).toEqual({ a: 1 });
  expect(text.split('\n')[0]).toBe('# title: x\ufffdb: 2\ufffdc: 3\ufffdd: 4\ufffde: 5');
});

test("limits hold every container of a checked submission to a core and its memory; a lower cpus of the lab's stays", () => {
  const input = fixedInput('scale-up', 'debian');
  const services = (limits?: RenderInput['limits']) =>
    (parse(renderProject({ ...input, limits }).find((f) => f.path === 'docker-compose.yml')!.content) as { services: Record<string, { cpus?: number; mem_limit?: string }> }).services;
  const limited = services({ cpus: 1, memoryMb: 512 });
  expect(Object.values(limited).every((s) => s.mem_limit === '512m' && s.cpus! <= 1)).toBe(true);
  expect([limited.app.cpus, limited['web-1'].cpus]).toEqual([0.5, 1]);
  expect(Object.values(services()).some((s) => s.mem_limit !== undefined)).toBe(false);
});

test("for Podman, each fixed-address component gets the MAC address Docker would derive, on the network it is reached on; replicas and Docker's projects get none", () => {
  const networks = (labName: string, fixedMacs?: boolean) =>
    (parse(renderProject({ ...fixedInput(labName, 'debian'), fixedMacs }).find((f) => f.path === 'docker-compose.yml')!.content) as {
      services: Record<string, { networks: Record<string, { ipv4_address?: string; mac_address?: string; priority?: number }> }>;
    }).services;
  const single = networks('single-server', true);
  expect(single.db.networks.private).toEqual({ ipv4_address: '10.150.21.13', mac_address: '02:42:0a:96:15:0d', priority: 100 });
  // The web server is reached by users on the public network. Compose v2 takes one MAC address per container on API
  // 1.41, on its first network: the one of the highest priority (else "private" would be, by name).
  expect(single.web.networks).toEqual({ public: { ipv4_address: '10.150.20.11', mac_address: '02:42:0a:96:14:0b', priority: 100 }, private: { ipv4_address: '10.150.21.11' } });
  expect(networks('scale-up', true).app.networks).toEqual({ private: {}, data: {} });
  expect(JSON.stringify(networks('single-server'))).not.toContain('mac_address');
});
