import { builtinLabs, parseLab } from '../../src/lab/load.js';
import { domainProblem, normalizeName } from '../../src/lab/check.js';
import { closest, editDistance } from '../../src/lab/suggest.js';

test('the built-in labs load, one per curriculum stage', () => {
  const labs = builtinLabs();
  expect(labs.map((l) => l.stage)).toEqual([1, 2, 3, 4]);
  for (const lab of labs) {
    expect(lab.domain).toBe('foobar.com');
    expect(lab.dns).toContainEqual({ name: 'www', type: 'CNAME', target: '@' });
    expect(lab.scenarios.length).toBeGreaterThan(0);
    expect(lab.questions.length).toBeGreaterThan(0);
  }
});

test('defaults: image is the role, server is the name, one replica, kill is the default fault', () => {
  const lab = parseLab(
    `name: tt
title: T
stage: 1
description: d
domain: Example.ORG.
networks: [{ name: n }]
components:
  - { name: dns, role: dns, networks: [n] }
  - { name: web, role: web, networks: [n], upstreams: [app] }
  - { name: app, role: app, networks: [n], database: { write: db, read: db } }
  - { name: db, role: db, networks: [n] }
dns: { records: [{ name: "@", type: A, component: web }] }
entrypoints: [{ name: http, component: web, port: 80, protocol: http }]
scenarios:
  - { name: s, title: S, break: { component: db }, expect: { says: x, failures: all } }
`,
    'inline.yaml',
  );
  expect(lab.domain).toBe('example.org');
  const web = lab.components.find((c) => c.name === 'web')!;
  expect([web.image, web.server, web.replicas, web.maxReplicas, web.tls]).toEqual(['web', 'web', 1, 1, false]);
  expect(lab.scenarios[0].action).toEqual({ kind: 'break', component: 'db', mode: 'kill' });
  expect(lab.networks[0]).toEqual({ name: 'n', description: '', internal: false });
});

test.each([
  ['foobar.com', undefined],
  ['a-b.example.co.uk', undefined],
  ['foobar.com.', undefined],
  ['-foo.com', "has an invalid label '-foo': letters, digits and '-' only, not at either end"],
  ['foo..com', 'has an empty label (two dots in a row?)'],
  ['foo.123', 'has an all-numeric top-level label'],
  [`${'a'.repeat(64)}.com`, `has a label longer than 63 characters ('${'a'.repeat(20)}...')`],
])('domain %s', (domain, problem) => {
  expect(domainProblem(domain)).toBe(problem);
});

test('record names are made absolute against the domain', () => {
  expect(normalizeName('@', 'foobar.com')).toBe('foobar.com');
  expect(normalizeName('WWW', 'foobar.com')).toBe('www.foobar.com');
  expect(normalizeName('other.org.', 'foobar.com')).toBe('other.org');
});

test('did-you-mean suggestions', () => {
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(closest('upstream', ['upstreams', 'networks'])).toBe('upstreams');
  expect(closest('zzzzzz', ['upstreams', 'networks'])).toBeUndefined();
  // A name written without its unit.
  expect(closest('interval', ['interval_ms', 'fall', 'rise'])).toBe('interval_ms');
  expect(closest('fal', ['interval_ms', 'fall', 'rise'])).toBe('fall');
});
