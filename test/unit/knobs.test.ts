import fs from 'node:fs';
import path from 'node:path';
import { parse, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseLab } from '../../src/lab/load.js';
import { YamlFileError } from '../../src/lab/yaml-document.js';
import { KNOB_DEFAULTS } from '../../src/lab/defaults.js';
import { BALANCE_ALGORITHMS, KNOB_RANGES, RESTART_POLICIES } from '../../src/lab/model.js';
import { renderProject } from '../../src/render/project.js';
import { guaranteeViolations } from '../helpers/compose-guarantee.js';
import { repoRoot } from '../helpers/cli.js';
import { fixedInput } from '../helpers/render-input.js';

// The configuration of load balancers and web servers, and the compose file, of the labs that have
// them, as rendered before the lab file had tuning knobs: a lab that sets none renders exactly this.
// Refresh with UPDATE_GOLDEN=1 only after an intended change, and read the diff.
const DEFAULTS = [
  ['distributed', ['docker-compose.yml', 'config/haproxy/lb.cfg', 'config/nginx/web-1.conf', 'config/nginx/web-2.conf']],
  ['secured-monitored', ['config/haproxy/lb.cfg']],
  ['scale-up', ['config/haproxy/lb-1.cfg', 'config/nginx/web-1.conf']],
] as const;

describe.each(DEFAULTS)('%s at the default settings matches the golden files', (labName, paths) => {
  const goldenDir = path.join(repoRoot, 'test', 'golden', 'defaults', labName);
  const files = renderProject(fixedInput(labName, 'debian'));
  test.each(paths)('%s', (file) => {
    const content = files.find((f) => f.path === file)!.content;
    if (process.env.UPDATE_GOLDEN) {
      fs.mkdirSync(path.dirname(path.join(goldenDir, file)), { recursive: true });
      fs.writeFileSync(path.join(goldenDir, file), content);
    }
    expect(content).toBe(fs.readFileSync(path.join(goldenDir, file), 'utf8'));
  });
});

// A lab file with every knob away from its default, beside the same lab file without knobs.
const knobsFile = path.join(repoRoot, 'test', 'fixtures', 'knobs-lab.yaml');
const knobsText = fs.readFileSync(knobsFile, 'utf8');
const withoutKnobs = (() => {
  const doc = parseDocument(knobsText);
  for (const c of (doc.get('components') as YAMLSeq<YAMLMap>).items) for (const k of ['restart', 'balance', 'health_check', 'retries', 'proxy']) c.delete(k);
  return doc.toString();
})();
const renderText = (text: string) => {
  const files = renderProject({ ...fixedInput('distributed', 'debian'), lab: parseLab(text, 'knobs-lab.yaml') });
  return (file: string) => files.find((f) => f.path === file)!.content;
};
const knobbed = renderText(knobsText);
const plain = renderText(withoutKnobs);
const lines = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l)).map((l) => l.trim());
const LB = 'config/haproxy/lb.cfg';

test('without knobs, the lab renders what the golden files hold for the same components', () => {
  // Same structure as the distributed lab: its lb and web-1 configs differ only in names and addresses.
  expect(lines(plain(LB), /^\s*(balance|retries|retry-on|option redispatch|default-server)\b/)).toEqual([
    'retries 2',
    'option redispatch 1',
    'retry-on conn-failure empty-response response-timeout 502 504',
    'default-server inter 500ms fall 2 rise 2',
    'balance roundrobin',
  ]);
  expect(lines(plain('config/nginx/web-1.conf'), /proxy_(connect|read)_timeout|proxy_next_upstream/)).toEqual([
    'proxy_connect_timeout 250ms;',
    'proxy_read_timeout 10s;',
    'proxy_next_upstream error timeout;',
    'proxy_next_upstream_tries 3;',
  ]);
  const services = parse(plain('docker-compose.yml'), { version: '1.1' }).services as Record<string, { restart: unknown }>;
  expect(new Set(Object.values(services).map((s) => s.restart))).toEqual(new Set(['unless-stopped']));
});

test('balance is the backend\'s algorithm', () => {
  expect(lines(knobbed(LB), /^\s*balance /)).toEqual(['balance leastconn']);
  const source = renderText(knobsText.replace('balance: leastconn', 'balance: source'));
  expect(lines(source(LB), /^\s*balance /)).toEqual(['balance source']);
});

test('health_check sets the interval, fall and rise of every server\'s checks', () => {
  expect(lines(knobbed(LB), /^\s*default-server /)).toEqual(['default-server inter 3s fall 3 rise 4']);
  const odd = renderText(knobsText.replace('interval_ms: 3000', 'interval_ms: 750'));
  expect(lines(odd(LB), /^\s*default-server /)).toEqual(['default-server inter 750ms fall 3 rise 4']);
});

test('retries: 0 renders no retry at all (HAProxy\'s own default would be 3), no retry-on and no redispatch', () => {
  expect(lines(knobbed(LB), /^\s*(retries|retry-on|option redispatch)\b/)).toEqual(['retries 0']);
  const four = renderText(knobsText.replace('retries: 0', 'retries: 4'));
  expect(lines(four(LB), /^\s*(retries|retry-on|option redispatch)\b/)).toEqual([
    'retries 4',
    'option redispatch 1',
    'retry-on conn-failure empty-response response-timeout 502 504',
  ]);
});

test('proxy sets nginx\'s timeouts, and retry: false turns retrying on the next app server off', () => {
  expect(lines(knobbed('config/nginx/web-1.conf'), /proxy_(connect|read)_timeout|proxy_next_upstream/)).toEqual([
    'proxy_connect_timeout 100ms;',
    'proxy_read_timeout 2500ms;',
    'proxy_next_upstream off;',
  ]);
  expect(lines(knobbed('config/nginx/web-2.conf'), /proxy_(connect|read)_timeout|proxy_next_upstream/)).toEqual([
    'proxy_connect_timeout 1s;',
    'proxy_read_timeout 10s;',
    'proxy_next_upstream error timeout;',
    'proxy_next_upstream_tries 3;',
  ]);
});

test('restart is the compose service\'s restart policy; "no" stays the string "no" for compose v1 (YAML 1.1), unquoted in the lab file too', () => {
  expect(knobsText).toContain('restart: no }');
  const services = parse(knobbed('docker-compose.yml'), { version: '1.1' }).services as Record<string, { restart: unknown }>;
  expect(Object.fromEntries(Object.entries(services).map(([name, s]) => [name, s.restart]))).toEqual({
    dns: 'unless-stopped',
    lb: 'unless-stopped',
    'web-1': 'unless-stopped',
    'web-2': 'unless-stopped',
    'app-1': 'no',
    'app-2': 'on-failure',
    db: 'always',
  });
  const quoted = parseLab(knobsText.replace('restart: no }', 'restart: "no" }'), 'x.yaml');
  expect(quoted.components.find((c) => c.name === 'app-1')!.restart).toBe('no');
});

test('a knobbed project keeps the compose guarantee', () => {
  const lab = parseLab(knobsText, 'knobs-lab.yaml');
  expect(guaranteeViolations(knobbed('docker-compose.yml'), lab, 'debian')).toEqual([]);
});

test('the settings of a role are on the components of that role only, with the defaults filled in', () => {
  const lab = parseLab(withoutKnobs, 'x.yaml');
  const pick = (name: string) => {
    const c = lab.components.find((x) => x.name === name)!;
    return { restart: c.restart, balance: c.balance, healthCheck: c.healthCheck, retries: c.retries, proxy: c.proxy };
  };
  expect(pick('lb')).toEqual({ restart: 'unless-stopped', balance: 'roundrobin', healthCheck: { intervalMs: 500, fall: 2, rise: 2 }, retries: 2, proxy: undefined });
  expect(pick('web-1')).toEqual({ restart: 'unless-stopped', balance: undefined, healthCheck: undefined, retries: undefined, proxy: { retry: true, connectTimeoutMs: 250, readTimeoutMs: 10_000 } });
  expect(pick('app-1')).toEqual({ restart: 'unless-stopped', balance: undefined, healthCheck: undefined, retries: undefined, proxy: undefined });
  // Part of a mapping set, the rest defaults.
  const partial = parseLab(knobsText.replace('{ interval_ms: 3000, fall: 3, rise: 4 }', '{ fall: 5 }'), 'x.yaml');
  expect(partial.components.find((c) => c.name === 'lb')!.healthCheck).toEqual({ intervalMs: 500, fall: 5, rise: 2 });
});

test('the schema documents the same defaults and ranges as the code', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schema', 'lab.schema.json'), 'utf8'));
  const p = schema.properties.components.items.properties;
  const range = (s: { minimum: number; maximum: number }) => ({ min: s.minimum, max: s.maximum });
  expect(p.restart.enum).toEqual([...RESTART_POLICIES]);
  expect(p.balance.enum).toEqual([...BALANCE_ALGORITHMS]);
  expect([p.restart.default, p.balance.default, p.retries.default]).toEqual([KNOB_DEFAULTS.restart, KNOB_DEFAULTS.balance, KNOB_DEFAULTS.retries]);
  const hc = p.health_check.properties;
  expect([hc.interval_ms.default, hc.fall.default, hc.rise.default]).toEqual([500, 2, 2]);
  expect(KNOB_DEFAULTS.healthCheck).toEqual({ intervalMs: 500, fall: 2, rise: 2 });
  const px = p.proxy.properties;
  expect({ retry: px.retry.default, connectTimeoutMs: px.connect_timeout_ms.default, readTimeoutMs: px.read_timeout_ms.default }).toEqual(KNOB_DEFAULTS.proxy);
  expect({
    healthCheckIntervalMs: range(hc.interval_ms),
    fall: range(hc.fall),
    rise: range(hc.rise),
    retries: range(p.retries),
    timeoutMs: range(px.connect_timeout_ms),
  }).toEqual(KNOB_RANGES);
  expect(range(px.read_timeout_ms)).toEqual(KNOB_RANGES.timeoutMs);
  for (const k of ['restart', 'balance', 'health_check', 'retries', 'proxy']) expect(p[k].description).toMatch(/Default/);
});

test('a Lab that did not come from the loader cannot put anything but the knobs\' enums and whole numbers into a config', () => {
  const lab = parseLab(knobsText, 'knobs-lab.yaml');
  const edit = (name: string, change: object) => ({ ...lab, components: lab.components.map((c) => (c.name === name ? { ...c, ...change } : c)) });
  for (const bad of [
    edit('lb', { balance: 'roundrobin\n  server evil 10.0.0.1:80' }),
    edit('lb', { healthCheck: { intervalMs: '500ms fall 1', fall: 2, rise: 2 } }),
    edit('lb', { healthCheck: { intervalMs: 10, fall: 2, rise: 2 } }),
    edit('lb', { retries: 1.5 }),
    edit('web-1', { proxy: { retry: 'off; include /etc/passwd', connectTimeoutMs: 250, readTimeoutMs: 10_000 } }),
    edit('web-1', { proxy: { retry: true, connectTimeoutMs: -1, readTimeoutMs: 10_000 } }),
    edit('db', { restart: 'always\n    privileged: true' }),
  ])
    expect(() => renderProject({ ...fixedInput('distributed', 'debian'), lab: bad as typeof lab })).toThrow(/cannot be written into the project's files/);
});

test.each([
  ['restart: false', 'restart: no }', 'restart: false }', /components\[4\]\.restart: false is not a restart policy; for none write "no"/],
  ['an unknown key in health_check', 'interval_ms: 3000', 'interval: 3000', /unknown field 'interval' in components\[1\]\.health_check \(did you mean 'interval_ms'\?\)/],
  ['an unknown key in proxy', 'read_timeout_ms: 2500', 'read_timeout: 2500', /unknown field 'read_timeout' in components\[2\]\.proxy \(did you mean 'read_timeout_ms'\?\)/],
  ['a fall out of range', 'fall: 3', 'fall: 11', /components\[1\]\.health_check\.fall must be <= 10 \(allowed: 1 to 10\)/],
  ['a timeout in seconds with a unit', 'connect_timeout_ms: 100', 'connect_timeout_ms: 100ms', /components\[2\]\.proxy\.connect_timeout_ms must be a whole number/],
  ['proxy on a load balancer', 'retries: 0', 'retries: 0\n    proxy: { retry: false }', /components\[1\]\.proxy: only a web server \(role web\) has proxy settings; lb is a load balancer/],
  ['retries on a web server', 'proxy: { connect_timeout_ms: 1000 }', 'retries: 1', /components\[3\]\.retries: only a load balancer \(role lb\) has retries; web-2 is a web server \(a web server's retry is proxy\.retry\)/],
])('%s is refused with its line', (_what, from, to, message) => {
  const text = knobsText.replace(from, to);
  expect(text).not.toBe(knobsText);
  const line = text.split('\n').findIndex((l) => l.includes(to.split('\n').at(-1)!)) + 1;
  let error: unknown;
  try {
    parseLab(text, 'knobs-lab.yaml');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(YamlFileError);
  expect((error as YamlFileError).message).toMatch(message);
  expect((error as YamlFileError).line).toBe(line);
});
