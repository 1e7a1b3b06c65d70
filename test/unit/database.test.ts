import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { resolveLab } from '../../src/lab/load.js';
import { renderProject, REPLICA_RETRY } from '../../src/render/project.js';
import { saveProject } from '../../src/project/save.js';
import { fixedInput } from '../helpers/render-input.js';
import type { Flavor } from '../../src/render/flavors.js';

const render = (labName: string, flavor: Flavor) => renderProject(fixedInput(labName, flavor));

const file = (files: ReturnType<typeof render>, p: string) => files.find((f) => f.path === p)?.content;
type Service = { command?: string[]; environment: Record<string, string>; volumes: string[]; healthcheck?: { test: string[] }; user?: string };
const services = (files: ReturnType<typeof render>) => (parse(file(files, 'docker-compose.yml')!) as { services: Record<string, Service> }).services;

describe.each(['official', 'debian'] as const)('%s flavor', (flavor) => {
  const distributed = render('distributed', flavor);
  const single = render('single-server', flavor);

  test('the replica retries its primary for longer than any lab outage, with a heartbeat', () => {
    const setup = file(distributed, 'initdb/db-replica/02-replica.sh')!;
    if (flavor === 'official') {
      expect(setup).toMatch(/SOURCE_CONNECT_RETRY = 1,\n\s+SOURCE_RETRY_COUNT = 86400,\n\s+SOURCE_HEARTBEAT_PERIOD = 1;/);
      expect(services(distributed)['db-replica'].command).toContain('--replica-net-timeout=5');
    } else {
      // MariaDB has no per-channel retry count: the server's master_retry_count is the one.
      expect(setup).toMatch(/MASTER_CONNECT_RETRY = 1,\n\s+MASTER_HEARTBEAT_PERIOD = 1;/);
      expect(services(distributed)['db-replica'].command).toEqual(expect.arrayContaining(['--master-retry-count=86400', '--slave-net-timeout=5']));
    }
    expect(REPLICA_RETRY.retryCount * REPLICA_RETRY.connectRetrySeconds).toBeGreaterThanOrEqual(24 * 3600);
  });

  test('server settings are flags on the command line, not a mounted option file (ignored when world-writable)', () => {
    const db = services(distributed)['db-primary'];
    expect(db.command![0]).toBe(flavor === 'official' ? 'mysqld' : 'mariadbd');
    expect(db.command).toEqual(expect.arrayContaining(['--server-id=1', '--log-bin=db-primary-bin', '--performance-schema=OFF', '--skip-name-resolve']));
    expect(services(distributed)['db-replica'].command).toEqual(expect.arrayContaining(['--server-id=2', '--read-only=ON']));
    for (const files of [single, distributed]) {
      expect(files.some((f) => f.path.startsWith('config/db/'))).toBe(false);
      for (const s of Object.values(services(files))) expect(s.volumes.join(' ')).not.toContain('/etc/mysql');
    }
  });

  test('root only inside its container; the replication account only where a replica exists; the app grants only what it runs', () => {
    for (const s of [services(single).db, services(distributed)['db-primary'], services(distributed)['db-replica']]) expect(s.environment.MYSQL_ROOT_HOST).toBe('localhost');
    expect(file(single, 'initdb/db/01-schema.sh')).toContain("DROP USER IF EXISTS 'root'@'%';");
    expect(file(single, 'initdb/db/01-schema.sh')).not.toContain("'repl'");
    expect(services(single).db.environment).not.toHaveProperty('DB_REPL_PASSWORD');
    expect(file(distributed, 'initdb/db-primary/01-schema.sh')).toContain("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';");
    expect(file(distributed, 'initdb/db-replica/01-schema.sh')).not.toContain("'repl'");
    // The app reads the counter and adds to it (UPDATE ... LAST_INSERT_ID) on the primary, and only reads on a replica.
    expect(file(single, 'initdb/db/01-schema.sh')).toContain("GRANT SELECT, UPDATE ON app.counter TO 'app'@'%';");
    expect(file(distributed, 'initdb/db-replica/01-schema.sh')).toContain("GRANT SELECT ON app.counter TO 'app'@'%';");
    for (const f of [single, distributed].flat().filter((x) => x.path.startsWith('initdb/'))) {
      expect(f.content).not.toMatch(/DELETE|ALL PRIVILEGES|-p"/);
    }
  });

  test('no password on a command line: the healthcheck is a script reading a 0600 file', () => {
    for (const s of Object.values(services(distributed)).filter((x) => x.environment?.MYSQL_ROOT_PASSWORD)) {
      expect(s.healthcheck!.test).toEqual(['CMD', 'bash', '/docker-entrypoint-initdb.d/healthcheck']);
    }
    expect(file(single, 'initdb/db/01-schema.sh')).toContain('umask 077');
  });

  test('the app server runs as the unprivileged user 1000 (node); BIND drops to bind', () => {
    expect(services(single).app.user).toBe('1000:1000');
    if (flavor === 'debian') expect(services(single).dns.command).toEqual(['named', '-g', '-u', 'bind', '-c', '/etc/bind/named.conf']);
  });

  test('HAProxy gets -W -db once: the official image adds them itself', () => {
    const command = services(distributed).lb.command!;
    expect(command.filter((a) => a === '-W').length).toBe(flavor === 'official' ? 0 : 1);
  });

  // The replica's healthcheck with a stand-in mysql client that prints what the real one prints.
  describe("the replica's healthcheck passes only while both replication threads run", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-health-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const prefix = flavor === 'official' ? 'Replica' : 'Slave';
    const check = (status: string) => {
      fs.writeFileSync(path.join(dir, 'options.cnf'), '[client]\n');
      fs.writeFileSync(path.join(dir, 'mysql'), `#!/bin/bash\ncat <<'OUT'\n${status}\nOUT\n`, { mode: 0o755 });
      const script = file(distributed, 'initdb/db-replica/healthcheck')!.replace('/var/lib/mysql/infra-lab-healthcheck.cnf', path.join(dir, 'options.cnf'));
      fs.writeFileSync(path.join(dir, 'healthcheck'), script);
      return spawnSync('bash', [path.join(dir, 'healthcheck')], { encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH}` } });
    };
    const status = (io: string, sql: string, error = '') =>
      `*************************** 1. row ***************************\n             ${prefix}_IO_State: x\n${' '.repeat(12)}${prefix}_IO_Running: ${io}\n${' '.repeat(11)}${prefix}_SQL_Running: ${sql}\n                Last_IO_Error: ${error}`;

    test.each([
      ['Yes', 'Yes', 0],
      ['Connecting', 'Yes', 0],
      ['No', 'Yes', 1],
      ['Yes', 'No', 1],
    ])('IO %s, SQL %s: exit %d', (io, sql, code) => {
      expect(check(status(io as string, sql as string)).status).toBe(code);
    });

    test('not a replica at all (a failed set-up): unhealthy, and it says why', () => {
      const r = check('');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('replication is not running (IO thread: none, SQL thread: none)');
    });

    test('a stopped IO thread shows its last error', () => {
      const r = check(status('No', 'Yes', "error connecting to master 'repl@10.0.0.1:3306'"));
      expect(r.stdout).toContain("Last_IO_Error: error connecting to master 'repl@10.0.0.1:3306'");
    });
  });
});

test('generated folders are readable by all whatever the umask (the CoreDNS image runs as nonroot)', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-umask-'));
  const previous = process.umask(0o077);
  try {
    const lab = resolveLab('single-server');
    await saveProject(path.join(out, 'p'), lab, fs.readFileSync(lab.source, 'utf8'), lab.source, { flavor: 'official', projectName: 'infra-lab-single-server' });
  } finally {
    process.umask(previous);
  }
  for (const folder of ['config', 'config/dns', 'initdb/db', 'app']) expect((fs.statSync(path.join(out, 'p', folder)).mode & 0o777).toString(8)).toBe('755');
  expect((fs.statSync(path.join(out, 'p', '.env')).mode & 0o777).toString(8)).toBe('600');
  fs.rmSync(out, { recursive: true, force: true });
});
