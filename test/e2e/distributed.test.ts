import { jest } from '@jest/globals';
import { httpGet } from '../../src/measure/http.js';
import { getMany, useLiveLab, type StatusJson } from '../helpers/live.js';

jest.setTimeout(600_000);

const lab = useLiveLab('distributed');
let status: StatusJson;
beforeAll(() => {
  status = lab.status();
});

test('every component is up and healthy', () => {
  expect(status.state).toBe('up');
  expect(status.services.map((s) => s.component)).toEqual(['dns', 'lb', 'web-1', 'web-2', 'app-1', 'app-2', 'db-primary', 'db-replica']);
});

test('the load balancer answers successive requests from both servers in turn (round robin)', async () => {
  const answers = await getMany(`${status.endpoints.http}api/visits`, 8);
  const webs = answers.map((a) => a.headers['x-web-server']);
  const apps = answers.map((a) => a.headers['x-app-instance']);
  expect(answers.every((a) => a.status === 200)).toBe(true);
  // Round robin alternates between the two web servers; each prefers the app server on its own server.
  for (let i = 1; i < webs.length; i++) expect(webs[i]).not.toBe(webs[i - 1]);
  expect(new Set(apps)).toEqual(new Set(['app-1', 'app-2']));
  expect(answers.every((a) => a.headers['x-load-balancer'] === 'lb')).toBe(true);
});

test('a write on the primary is read back from the replica', async () => {
  const written = JSON.parse((await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' })).body);
  expect(written).toMatchObject({ writtenTo: 'db-primary', readFrom: 'db-replica' });
  // Replication is asynchronous: the page, which only reads, shows the write once the replica has it.
  let seen = 0;
  for (let i = 0; i < 40 && seen < written.visits; i++) {
    const page = await httpGet(status.endpoints.http!, { host: 'www.foobar.com' });
    seen = Number(/id="visits">(\d+)</.exec(page.body)![1]);
    expect(page.body).toContain('read from db-replica');
    if (seen < written.visits) await new Promise((r) => setTimeout(r, 100));
  }
  expect(seen).toBeGreaterThanOrEqual(written.visits);
  const replica = lab.run(['exec', 'db-replica', '--', 'sh', '-c', 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SELECT visits FROM app.counter"']);
  expect(Number(replica.stdout.trim())).toBeGreaterThanOrEqual(written.visits);
});

test('the replica refuses writes: it is read-only, and the app may only read there', () => {
  const r = lab.run(['exec', 'db-replica', '--', 'sh', '-c', 'mysql -uapp -p"$DB_APP_PASSWORD" -e "UPDATE app.counter SET visits = 0"']);
  // The server checks read_only before privileges, so read_only is what refuses the write.
  expect(r.code).not.toBe(0);
  expect(r.stderr + r.stdout).toMatch(/--read-only option/);
  const readOnly = lab.run(['exec', 'db-replica', '--', 'sh', '-c', 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SELECT @@read_only"']);
  expect(readOnly.stdout.trim()).toBe('1');
  // And the app's account there may only read, should read_only ever be switched off.
  const grants = lab.run(['exec', 'db-replica', '--', 'sh', '-c', `mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SHOW GRANTS FOR 'app'@'%'"`]);
  expect(grants.stdout).toMatch(/GRANT SELECT ON `app`\.`counter` TO `app`@`%`/);
  expect(grants.stdout).not.toMatch(/UPDATE|DELETE|INSERT|ALL PRIVILEGES/);
});

test('the replication account exists on the primary only, which has a replica', () => {
  const accounts = (db: string) => lab.run(['exec', db, '--', 'sh', '-c', 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SELECT user FROM mysql.user ORDER BY 1"']).stdout.trim().split('\n');
  expect(accounts('db-primary')).toContain('repl');
  expect(accounts('db-replica')).not.toContain('repl');
});

test('replication resumes after the primary was down far longer than MySQL 8.4 retries by default (10 attempts)', async () => {
  const replicaState = () => lab.run(['exec', 'db-replica', '--', 'sh', '-c', 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -e "SHOW SLAVE STATUS\\G"']).stdout;
  const stop = lab.run(['break', 'db-primary', '--mode', 'stop']);
  expect(stop.code).toBe(0);
  await new Promise((r) => setTimeout(r, 30_000));
  // Still retrying, and healthy meanwhile: the replica keeps serving reads while the primary is away.
  expect(replicaState()).toMatch(/Slave_IO_Running: Connecting/);
  expect(replicaState()).toMatch(/maximum-retries: 86400/);
  expect(lab.run(['exec', 'db-replica', '--', 'bash', '/docker-entrypoint-initdb.d/healthcheck']).code).toBe(0);
  const heal = lab.run(['heal', 'db-primary']);
  expect(heal.code).toBe(0);
  // The app servers reconnect to the primary on their next request.
  let answer = await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' });
  for (let i = 0; i < 20 && answer.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 500));
    answer = await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' });
  }
  const written = JSON.parse(answer.body) as { visits: number };
  let seen = 0;
  for (let i = 0; i < 100 && seen < written.visits; i++) {
    seen = Number(lab.run(['exec', 'db-replica', '--', 'sh', '-c', 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -N -e "SELECT visits FROM app.counter"']).stdout.trim());
    if (seen < written.visits) await new Promise((r) => setTimeout(r, 200));
  }
  expect(seen).toBe(written.visits);
  expect(replicaState()).toMatch(/Slave_IO_Running: Yes/);
});
