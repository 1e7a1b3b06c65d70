import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { compose, validate } from '../helpers/validators.js';

// The built-in labs, and a lab file with every tuning knob away from its default.
const LABS = ['single-server', 'distributed', 'secured-monitored', 'scale-up', 'test/fixtures/knobs-lab.yaml'];
const FLAVORS = ['official', 'debian'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-generate-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each(LABS.flatMap((lab) => FLAVORS.map((flavor) => [lab, flavor])))('%s, %s flavor', (lab, flavor) => {
  const dir = path.join(tmp, `${path.basename(lab, '.yaml')}-${flavor}`);
  beforeAll(() => {
    const r = runCli(['generate', lab, '--flavor', flavor, '-o', dir]);
    if (r.code !== 0) throw new Error(r.stderr);
  });

  test('the compose file is accepted by compose', () => {
    const r = validate(compose[0], [...compose.slice(1), 'config', '-q'], dir);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  test('every generated shell script (database set-up, healthcheck) passes bash -n', () => {
    const initdb = path.join(dir, 'initdb');
    const scripts = fs.readdirSync(initdb, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(scripts.length).toBeGreaterThan(1);
    for (const s of scripts) {
      const r = validate('bash', ['-n', path.join(s.parentPath, s.name)]);
      expect(r.output).toBe('');
      expect(r.code).toBe(0);
    }
  });

  test('the zone file is accepted by named-checkzone', () => {
    const r = validate('named-checkzone', ['foobar.com', path.join(dir, 'config', 'dns', 'lab.zone')]);
    expect(r.output).toMatch(/loaded serial \d+\nOK/);
    expect(r.code).toBe(0);
  });

  test('every nginx configuration passes nginx -t', () => {
    const confs = fs.readdirSync(path.join(dir, 'config', 'nginx'));
    expect(confs.length).toBeGreaterThan(0);
    for (const conf of confs) {
      const r = validate('nginx', ['-t', '-q', '-c', path.join(dir, 'config', 'nginx', conf)]);
      expect([conf, r.output, r.code]).toEqual([conf, '', 0]);
    }
  });

  test('every HAProxy configuration passes haproxy -c', () => {
    const cfgDir = path.join(dir, 'config', 'haproxy');
    const cfgs = fs.existsSync(cfgDir) ? fs.readdirSync(cfgDir) : [];
    expect(cfgs.length).toBe(lab === 'single-server' ? 0 : lab === 'scale-up' ? 2 : 1);
    for (const cfg of cfgs) {
      // The container mounts the project's tls/ at /usr/local/etc/haproxy/tls; here it is read where it is.
      const text = fs.readFileSync(path.join(cfgDir, cfg), 'utf8').replaceAll('/usr/local/etc/haproxy/tls', path.join(dir, 'tls'));
      const file = path.join(tmp, `${path.basename(lab, '.yaml')}-${flavor}-${cfg}`);
      fs.writeFileSync(file, text);
      const r = validate('haproxy', ['-c', '-q', '-f', file]);
      expect([cfg, r.output, r.code]).toEqual([cfg, '', 0]);
    }
  });
});

describe('generate', () => {
  const dir = path.join(tmp, 'project');

  test('writes a standalone project with its secrets in a private .env, ports on loopback', () => {
    const r = runCli(['generate', 'single-server', '-o', dir, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { files: string[]; flavor: string };
    expect(out.flavor).toBe('official');
    expect(out.files).toEqual(expect.arrayContaining(['docker-compose.yml', '.env', 'app/server.js', 'probe/probe.cjs', 'lab.yaml', 'config/dns/Corefile']));
    expect(fs.statSync(path.join(dir, '.env')).mode & 0o777).toBe(0o600);
    const compose = fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('"${BIND_ADDRESS:-127.0.0.1}::80"');
    expect(compose).toContain('MYSQL_ROOT_PASSWORD: "${DB_ROOT_PASSWORD}"');
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toMatch(/^DB_ROOT_PASSWORD=[A-Za-z0-9_-]{24}$/m);
  });

  test('regenerating keeps the passwords; another project gets others', () => {
    const env = () => fs.readFileSync(path.join(dir, '.env'), 'utf8');
    const before = env();
    expect(runCli(['generate', 'single-server', '-o', dir, '--flavor', 'debian']).code).toBe(0);
    expect(env()).toBe(before);
    const other = path.join(tmp, 'other');
    expect(runCli(['generate', 'single-server', '-o', other]).code).toBe(0);
    const password = (text: string) => /^DB_ROOT_PASSWORD=(.*)$/m.exec(text)![1];
    expect(password(fs.readFileSync(path.join(other, '.env'), 'utf8'))).not.toBe(password(before));
  });

  test('a folder with files infra-lab did not write is refused, and left as it was', () => {
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    const r = runCli(['generate', 'single-server', '-o', foreign]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not empty and was not made by infra-lab');
    expect(fs.readdirSync(foreign)).toEqual(['notes.txt']);
  });
});
