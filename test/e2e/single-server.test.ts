import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Resolver } from 'node:dns/promises';
import { repoRoot } from '../helpers/cli.js';
import { lookupWww } from '../../src/measure/dns.js';
import { httpGet } from '../../src/measure/http.js';
import { docker, useLiveLab, type StatusJson } from '../helpers/live.js';

jest.setTimeout(600_000);

// The first test starts the lab: `up` is what it tests.
const lab = useLiveLab('single-server', { start: false });
let status: StatusJson;

test('up starts the lab and reports the URL, the DNS answer and what to try next', () => {
  const r = lab.up();
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('single-server is up (started)');
  expect(r.stdout).toMatch(/www\.foobar\.com is a CNAME for foobar\.com, which has the address 10\.\d+\.\d+\.\d+/);
  expect(r.stdout).toContain('the page answered 200, from app server app');
  expect(r.stdout).toMatch(/dig @127\.0\.0\.1 -p \d+ www\.foobar\.com/);
  // Progress per service and the total time, on stderr.
  expect(r.stderr).toMatch(/✓ db healthy \(\d+\.\d s\)/);
  status = lab.status();
  expect(status.state).toBe('up');
  expect(status.services.map((s) => [s.component, s.ready])).toEqual([
    ['dns', true],
    ['web', true],
    ['app', true],
    ['db', true],
  ]);
});

test("www.foobar.com resolves at the lab's DNS server: a CNAME to the apex, whose A record is the web server", async () => {
  const answer = await lookupWww(status.endpoints.dns!, 'foobar.com');
  const web = status.services.find((s) => s.component === 'web')!.containers[0];
  expect(answer.cname).toEqual(['foobar.com']);
  expect(answer.addresses).toEqual([Object.entries(web.addresses).find(([net]) => net.endsWith('_public'))![1]]);
  // The same answer with dig, as a student would ask.
  const [host, port] = status.endpoints.dns!.split(':');
  const dig = spawnSync('dig', [`@${host}`, '-p', port, '+noall', '+answer', 'www.foobar.com'], { encoding: 'utf8' });
  expect(dig.stdout).toMatch(/www\.foobar\.com\.\s+\d+\s+IN\s+CNAME\s+foobar\.com\./);
  expect(dig.stdout).toMatch(/^foobar\.com\.\s+\d+\s+IN\s+A\s+10\./m);
});

test('the page answers through nginx, the app server and the database; the counter grows by one per visit', async () => {
  const page = await httpGet(status.endpoints.http!, { host: 'www.foobar.com' });
  expect(page.status).toBe(200);
  expect(page.body).toContain('through web server <strong id="web">web</strong>');
  const first = JSON.parse((await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' })).body);
  const second = JSON.parse((await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' })).body);
  expect(second.visits).toBe(first.visits + 1);
  expect(second).toMatchObject({ readBack: second.visits, instance: 'app', web: 'web', writtenTo: 'db', readFrom: 'db' });
});

test('up again changes nothing and says so', () => {
  const r = lab.up();
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('already up and matches its lab file; nothing changed');
});

test('after the lab file changed, up applies the change: a new DNS record is served', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-labfile-'));
  const file = path.join(dir, 'single-server.yaml');
  const original = fs.readFileSync(path.join(repoRoot, 'labs', 'single-server.yaml'), 'utf8');
  fs.writeFileSync(file, original.replace('    - { name: www, type: CNAME, target: "@" }\n', '    - { name: www, type: CNAME, target: "@" }\n    - { name: shop, type: CNAME, target: "@" }\n'));
  const r = lab.run(['up', file, '--flavor', 'debian']);
  expect(r.stderr).not.toMatch(/infra-lab: /);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('single-server is up (updated to the lab file)');
  status = lab.status();
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  resolver.setServers([status.endpoints.dns!]);
  expect(await resolver.resolveCname('shop.foobar.com')).toEqual(['foobar.com']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('exec runs a command in a component; logs shows its output', () => {
  const exec = lab.run(['exec', 'db', '--', 'sh', '-c', 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SELECT visits FROM app.counter"']);
  expect(exec.code).toBe(0);
  expect(Number(exec.stdout.trim())).toBeGreaterThanOrEqual(2);
  const logs = lab.run(['logs', 'app']);
  expect(logs.code).toBe(0);
  expect(logs.stdout).toContain('app app version 1 listening on :3000');
  const unknown = lab.run(['logs', 'dbb']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("has no component 'dbb'; its components: dns, web, app, db");
});

test('the DNS server answers over UDP and TCP at the ports status gives for each (compose v2 may publish them apart)', () => {
  expect(status.endpoints.all['dns-tcp']).toBe(status.endpoints.dnsTcp);
  for (const [address, tcp] of [[status.endpoints.dns!, false], [status.endpoints.dnsTcp!, true]] as const) {
    const [host, port] = address.split(':');
    const dig = spawnSync('dig', [`@${host}`, '-p', port, ...(tcp ? ['+tcp'] : []), '+noall', '+answer', '+time=2', 'www.foobar.com'], { encoding: 'utf8' });
    expect(dig.stdout).toMatch(/www\.foobar\.com\.\s+\d+\s+IN\s+CNAME\s+foobar\.com\./);
  }
});

test('database accounts are least privilege, and no password shows on a command line', () => {
  const container = (component: string) => status.services.find((s) => s.component === component)!.containers[0].name;
  const env = fs.readFileSync(path.join(status.projectDir, '.env'), 'utf8');
  const secret = (key: string) => new RegExp(`^${key}=(.+)$`, 'm').exec(env)![1];
  // A MySQL client in the app container's network namespace (the app image has none), as the app connects.
  const fromApp = (user: string, password: string, sql: string) =>
    docker(['run', '--rm', '--network', `container:${container('app')}`, '-e', `MYSQL_PWD=${password}`, 'infra-lab/db:bookworm', 'mysql', '-h', 'db', `-u${user}`, '-N', '-e', sql]);
  const root = fromApp('root', secret('DB_ROOT_PASSWORD'), 'SELECT 1');
  expect(root.code).not.toBe(0);
  expect(root.stderr).toContain("Access denied for user 'root'");
  const app = (sql: string) => fromApp('app', secret('DB_APP_PASSWORD'), sql);
  expect(app('SELECT visits FROM app.counter').code).toBe(0);
  expect(app('DELETE FROM app.counter').stderr).toMatch(/DELETE command denied to user 'app'/);
  expect(app('DROP TABLE app.counter').stderr).toMatch(/DROP command denied to user 'app'/);
  expect(app('CREATE TABLE app.other (id INT)').stderr).toMatch(/CREATE command denied to user 'app'/);
  // Inside its container, root may log in (over the socket); the accounts are these and no more (no replica: no replication account).
  const accounts = lab.run(['exec', 'db', '--', 'sh', '-c', 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SELECT CONCAT(user, \'@\', host) FROM mysql.user ORDER BY 1"']);
  expect(accounts.stdout.trim().split('\n')).toEqual(['app@%', 'healthcheck@127.0.0.1', 'mariadb.sys@localhost', 'root@localhost']);
  const passwords = ['DB_ROOT_PASSWORD', 'DB_APP_PASSWORD', 'DB_REPL_PASSWORD'].map(secret);
  const healthcheck = docker(['inspect', container('db'), '--format', '{{json .Config.Healthcheck}}']).stdout;
  expect(healthcheck).toContain('healthcheck');
  for (const component of ['dns', 'web', 'app', 'db']) {
    const processes = docker(['top', container(component), '-eo', 'pid,uid,args']).stdout;
    for (const p of passwords) expect(processes).not.toContain(p);
    // The app server and BIND run unprivileged.
    if (component === 'app') expect(processes).toMatch(/^\d+\s+1000\s+node \/app\/server\.js$/m);
    if (component === 'dns') expect(processes).toMatch(/^\d+\s+[1-9]\d*\s+named /m);
  }
  for (const p of passwords) expect(healthcheck).not.toContain(p);
});

test('down keeps the database volume, and the counter continues after the next up', async () => {
  const before = JSON.parse((await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' })).body).visits;
  const down = lab.run(['down']);
  expect(down.code).toBe(0);
  expect(down.stdout).toContain(`Kept the volumes ${lab.projectName}_db-data`);
  expect(docker(['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${lab.projectName}`]).stdout.trim()).toBe('');
  expect(lab.up().code).toBe(0);
  status = lab.status();
  const after = JSON.parse((await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' })).body).visits;
  expect(after).toBe(before + 1);
});

test('down --volumes deletes the data as well, and says so', () => {
  const r = lab.run(['down', 'single-server', '--volumes']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Deleted the volumes ${lab.projectName}_db-data`);
});
