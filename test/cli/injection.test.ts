import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { loadLabFile } from '../../src/lab/load.js';
import type { Flavor } from '../../src/render/flavors.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { guaranteeViolations } from '../helpers/compose-guarantee.js';
import { corpus, labWith, notInert } from '../helpers/injection.js';
import { compose, validate } from '../helpers/validators.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-injection-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const filesOf = (dir: string): { path: string; content: string }[] =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      return { path: path.relative(dir, file), content: fs.readFileSync(file, 'utf8') };
    });

// Through the real binary: every hostile value of the corpus once, spread over the fields so that every
// field is used (test/unit/injection.test.ts runs every value in every field, in process).
const sample = corpus.payloads.map((p, i) => [p.name, p, corpus.fields[i % corpus.fields.length]] as const);

test('the sample puts a value into every field', () => {
  expect(new Set(sample.map(([, , f]) => f.path.join('.'))).size).toBe(corpus.fields.length);
});

describe.each(sample)('infra-lab generate with %s', (_name, payload, field) => {
  test(`in ${field.path.join('.')}: refused with exit 2 naming the line, or rendered inert`, () => {
    const { text, line } = labWith(field, payload.value);
    const file = path.join(tmp, `${payload.name}.yaml`);
    fs.writeFileSync(file, text);
    const out = path.join(tmp, payload.name);
    const r = runCli(['generate', file, '-o', out, '--flavor', 'debian'], { timeoutMs: 30_000 });
    if (payload.expect[field.kind] === 'reject') {
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.startsWith(`infra-lab: ${file}:${line}:`)).toBe(true);
      expect(fs.existsSync(out)).toBe(false);
    } else {
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(notInert(filesOf(out), loadLabFile(file), 'debian', field, payload.value)).toEqual([]);
    }
  });
});

// Whole labs with values that are allowed but hostile, checked by the programs that read the files.
describe.each([
  ['names-yaml-1-1-reads-otherwise.yaml', 'official'],
  ['names-yaml-1-1-reads-otherwise.yaml', 'debian'],
  ['longest-domain-hostile-text.yaml', 'debian'],
] as const)('%s, %s flavor', (name, flavor: Flavor) => {
  const file = path.join(repoRoot, 'test', 'fixtures', 'injection', name);
  const lab = loadLabFile(file);
  const dir = path.join(tmp, `${name}-${flavor}`);
  beforeAll(() => {
    const r = runCli(['generate', file, '-o', dir, '--flavor', flavor]);
    if (r.code !== 0) throw new Error(r.stderr);
  });

  test('the compose file holds exactly the lab, as compose itself reads it', () => {
    expect(guaranteeViolations(fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8'), lab, flavor)).toEqual([]);
    const r = validate(compose[0], [...compose.slice(1), 'config'], dir);
    expect(r.code).toBe(0);
    const seen = parse(r.output) as { services: Record<string, { privileged?: boolean; network_mode?: string }>; networks: Record<string, { driver?: string }> };
    expect(Object.keys(seen.services).sort()).toEqual(lab.components.map((c) => c.name).sort());
    expect(Object.keys(seen.networks).sort()).toEqual(lab.networks.map((n) => n.name).sort());
    for (const s of Object.values(seen.services)) expect([s.privileged, s.network_mode]).toEqual([undefined, undefined]);
    for (const n of Object.values(seen.networks)) expect(n.driver === undefined || n.driver === 'bridge').toBe(true);
  });

  test('the zone file, nginx and HAProxy configurations pass their own checks', () => {
    const zone = validate('named-checkzone', [lab.domain, path.join(dir, 'config', 'dns', 'lab.zone')]);
    expect([zone.output.trim().split('\n').at(-1), zone.code]).toEqual(['OK', 0]);
    for (const conf of fs.readdirSync(path.join(dir, 'config', 'nginx'))) {
      const r = validate('nginx', ['-t', '-q', '-c', path.join(dir, 'config', 'nginx', conf)]);
      expect([conf, r.output, r.code]).toEqual([conf, '', 0]);
    }
    const haproxyDir = path.join(dir, 'config', 'haproxy');
    for (const cfg of fs.existsSync(haproxyDir) ? fs.readdirSync(haproxyDir) : []) {
      const copy = path.join(tmp, `${name}-${cfg}`);
      fs.writeFileSync(copy, fs.readFileSync(path.join(haproxyDir, cfg), 'utf8').replaceAll('/usr/local/etc/haproxy/tls', path.join(dir, 'tls')));
      const r = validate('haproxy', ['-c', '-q', '-f', copy]);
      expect([cfg, r.output, r.code]).toEqual([cfg, '', 0]);
    }
  });
});
