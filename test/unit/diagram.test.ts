import { resolveLab } from '../../src/lab/load.js';
import { parseLab } from '../../src/lab/load.js';
import { singlePointsOfFailure, topologyOf, userAddresses } from '../../src/report/topology.js';
import { diagramDot, diagramMermaid, dotToSvg } from '../../src/report/diagram.js';

const spofsOf = (lab: string) => Object.fromEntries(singlePointsOfFailure(resolveLab(lab)));

test('single-server: every part of the path is a single point of failure', () => {
  expect(spofsOf('single-server')).toEqual({ dns: 'all', web: 'all', app: 'all', db: 'all' });
});

test('distributed: the load balancer and DNS for every request, the primary for writes', () => {
  expect(spofsOf('distributed')).toEqual({ dns: 'all', lb: 'all', 'db-primary': 'writes' });
  expect(spofsOf('secured-monitored')).toEqual({ dns: 'all', lb: 'all', 'db-primary': 'writes' });
});

test('scale-up: two load balancers behind two A records and a replicated app tier are not single points', () => {
  expect(spofsOf('scale-up')).toEqual({ dns: 'all', 'db-primary': 'writes' });
  expect(userAddresses(resolveLab('scale-up'))).toEqual(['lb-1', 'lb-2']);
});

test('a second DNS server and a lone app server change the answer', () => {
  const lab = parseLab(
    `name: two-dns
title: t
stage: 1
description: t
domain: example.org
networks: [{ name: public }]
components:
  - { name: dns, role: dns, networks: [public] }
  - { name: dns-2, role: dns, networks: [public] }
  - { name: web, role: web, networks: [public], upstreams: [app-1, app-2] }
  - { name: app-1, role: app, networks: [public], database: { write: db, read: db } }
  - { name: app-2, role: app, networks: [public], database: { write: db, read: db } }
  - { name: db, role: db, networks: [public] }
dns:
  records:
    - { name: "@", type: A, component: web }
    - { name: www, type: CNAME, target: "@" }
entrypoints: [{ name: http, component: web, port: 80, protocol: http }]
`,
    'two-dns.yaml',
  );
  expect(Object.fromEntries(singlePointsOfFailure(lab))).toEqual({ web: 'all', db: 'all' });
});

test('the topology: servers in zones, records, the request path', () => {
  const t = topologyOf(resolveLab('distributed'));
  expect(t.zones.map((z) => [z.network, z.internal, z.servers.map((s) => s.name)])).toEqual([
    ['public', false, ['dns-1', 'lb-1']],
    ['private', true, ['server-1', 'server-2']],
  ]);
  expect(t.records.map((r) => `${r.fqdn} ${r.type} ${r.value}`)).toEqual(['foobar.com A lb', 'www.foobar.com CNAME foobar.com']);
  const edges = t.edges.map((e) => `${e.from}>${e.to}:${e.kind}${e.fallback ? '(backup)' : ''}`);
  expect(edges).toEqual(
    expect.arrayContaining([
      'user>dns:dns',
      'user>lb:http',
      'rec-1>rec-0:record',
      'rec-0>lb:record',
      'lb>web-1:lb',
      'web-1>app-1:web',
      'web-1>app-2:web(backup)',
      'app-1>db-primary:db-write',
      'app-1>db-replica:db-read',
      'db-primary>db-replica:replication',
    ]),
  );
  expect(t.components.find((c) => c.name === 'lb')).toMatchObject({ otherNetworks: ['private'], inZone: true, spof: 'all' });
});

test('a network no server stands in is named, and a part only on it says so', () => {
  const t = topologyOf(resolveLab('secured-monitored'));
  expect(t.otherNetworks).toEqual([
    { network: 'admin', internal: false },
    { network: 'data', internal: true },
  ]);
  expect(t.components.find((c) => c.name === 'db-primary')).toMatchObject({ inZone: false, otherNetworks: ['data'] });
});

test('DOT: one node per component and record, SPOFs classed, a broken part marked', () => {
  const dot = diagramDot(topologyOf(resolveLab('single-server')), { marks: { db: { state: 'broken', note: 'BROKEN (kill)' } } });
  for (const id of ['c-dns', 'c-web', 'c-app', 'c-db', 'rec-0', 'rec-1', 'user', 'legend']) expect(dot).toContain(`id="${id}"`);
  expect(dot.match(/class="component role-\w+ spof spof-all/g)).toHaveLength(4);
  expect(dot).toContain('state-broken');
  expect(dot).toContain('internal, firewalled');
});

test('Mermaid: zones and servers as nested subgraphs, SPOFs as a class', () => {
  const m = diagramMermaid(topologyOf(resolveLab('distributed')));
  expect(m).toMatch(/^flowchart TB$/m);
  expect(m).toContain('subgraph zone_private["private network: internal, firewalled"]');
  expect(m).toContain('subgraph server_server_1["server server-1"]');
  expect(m).toContain('class c_dns,c_lb spof');
  expect(m).toContain('class c_db_primary spofWrites');
  expect(m).toContain('c_db_primary -.->|"replication"| c_db_replica');
});

test('SVG: laid out by Graphviz, every component a node with its id', async () => {
  // Graphviz writes '-' in attributes as a character reference.
  const svg = (await dotToSvg(diagramDot(topologyOf(resolveLab('scale-up'))))).replace(/&#45;/g, '-');
  expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
  for (const c of resolveLab('scale-up').components) expect(svg).toContain(`id="c-${c.name}"`);
  expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
});
