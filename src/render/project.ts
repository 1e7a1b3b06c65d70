import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import ejs from 'ejs';
import type { Component, Lab } from '../lab/model.js';
import { component, componentsWithRole } from '../lab/model.js';
import { normalizeName } from '../lab/check.js';
import { KNOB_DEFAULTS } from '../lab/defaults.js';
import { templatesDir } from '../paths.js';
import { addressFrom, addressLab, macFor, type Addressing } from './addresses.js';
import { imageFor, type Flavor } from './flavors.js';
import { versionVariable, type ProjectEnv } from './secrets.js';
import { composeFile, dataVolume } from './compose-file.js';
import { prometheusConfig } from './prometheus-config.js';
import { assertRenderable } from './renderable.js';

/** One file of a rendered project. */
export interface ProjectFile {
  path: string;
  content: string;
  mode?: number;
}

export interface RenderInput {
  lab: Lab;
  flavor: Flavor;
  /** Compose project name, also the seed of the lab's addresses. */
  projectName: string;
  /** The /22 block of the lab's networks, e.g. "10.137.88" (see addresses.ts). */
  block: string;
  env: ProjectEnv;
  /** The bundled application server (app/server.js of the project). */
  appServer: string;
  /**
   * During a deploy: app servers the web servers must not use (drained), and app servers to reach
   * at another address than their own (a blue-green twin).
   */
  routing?: { drained?: string[]; addresses?: Record<string, string> };
  /** Held to every container, whatever the lab file says: a submission checked for a class is untrusted. */
  limits?: ContainerLimits;
  /** Give each fixed-address component a fixed MAC address too (see macFor): the engine would pick a new one at each start. */
  fixedMacs?: boolean;
  /** The moment of rendering: the zone's serial number. */
  now: Date;
  version: string;
}

/** CPU (cores) and memory (MiB) a container may use at most. */
export interface ContainerLimits {
  cpus: number;
  memoryMb: number;
}

export const APP_PORT = 3000;
/** The db healthcheck in the initdb folder: the images' entrypoints run only *.sh and *.sql files there, so it is not run at start. */
export const DB_HEALTHCHECK = 'healthcheck';
/**
 * A replica retries its primary every second for a day: longer than any lab outage, where MySQL 8.4's
 * default (10 attempts) would leave replication stopped for good after a short one. The heartbeat and
 * the network timeout make it notice a primary that went silent (paused, disconnected) within seconds.
 */
export const REPLICA_RETRY = { connectRetrySeconds: 1, retryCount: 86_400, heartbeatSeconds: 1, netTimeoutSeconds: 5 } as const;
/**
 * The unprivileged user of the app server and the probe: uid 1000, the user node of the official
 * image. A number, so that it needs no entry in the image's passwd file (the debian image has none).
 */
export const APP_USER = '1000:1000';
/** HAProxy's own port for its health answer, statistics and metrics. */
export const LB_ADMIN_PORT = 8404;
export { LABEL } from './labels.js';
/** Fixed names, whatever the domain: a file name must not grow with a 242-character domain. */
export const ZONE_FILE = 'lab.zone';
/** The lab's certificate, key, and both in one file (HAProxy's form), in the project's tls/ folder. */
export const TLS_FILES = { cert: 'lab.crt', key: 'lab.key', pem: 'lab.pem' } as const;

/** A duration as nginx and HAProxy both read it: whole seconds as "10s", else milliseconds, "250ms". */
export const duration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

const render = (template: string, data: object) =>
  ejs.render(fs.readFileSync(path.join(templatesDir, 'project', template), 'utf8'), { ...data, json: JSON.stringify, duration, knobDefaults: KNOB_DEFAULTS }, {
    filename: path.join(templatesDir, 'project', template),
    // None of the outputs is HTML: print values as they are.
    escape: (s: unknown) => String(s),
  });

/** What a web server or load balancer forwards to: fixed addresses, or a name to resolve per request. */
export interface Upstream {
  name: string;
  address?: string;
  port: number;
  /** Taken out of rotation for maintenance. */
  drained: boolean;
  /** Replicated: resolve the service name through Docker's DNS at run time. */
  dynamic: boolean;
  maxReplicas: number;
}

/** Renders every file of the project in memory; writing them is the caller's job. */
export function renderProject(input: RenderInput): ProjectFile[] {
  const { lab, flavor } = input;
  assertRenderable(lab);
  const addressing = addressLab(lab, input.block);
  const upstreamsOf = (c: Component): Upstream[] =>
    c.upstreams.map((name) => {
      const target = component(lab, name)!;
      return {
        name,
        address: input.routing?.addresses?.[name] ?? addressFrom(lab, addressing, c.name, name),
        drained: input.routing?.drained?.includes(name) ?? false,
        port: target.role === 'app' ? APP_PORT : 80,
        dynamic: target.maxReplicas > 1,
        maxReplicas: target.maxReplicas,
      };
    });
  const ctx = { ...input, addressing, appPort: APP_PORT, lbAdminPort: LB_ADMIN_PORT, tlsPem: TLS_FILES.pem };
  const files: ProjectFile[] = [];
  const zoneFile = ZONE_FILE;

  for (const web of componentsWithRole(lab, 'web'))
    files.push({ path: `config/nginx/${web.name}.conf`, content: render('nginx.conf.ejs', { ...ctx, web, upstreams: upstreamsOf(web) }) });
  for (const lb of componentsWithRole(lab, 'lb'))
    files.push({ path: `config/haproxy/${lb.name}.cfg`, content: render('haproxy.cfg.ejs', { ...ctx, lb, upstreams: upstreamsOf(lb) }) });
  files.push({ path: `config/dns/${zoneFile}`, content: render('zone.ejs', { ...ctx, records: zoneRecords(lab, addressing), serial: zoneSerial(input.now) }) });
  files.push(
    flavor === 'official'
      ? { path: 'config/dns/Corefile', content: render('Corefile.ejs', { ...ctx, zoneFile }) }
      : { path: 'config/dns/named.conf', content: render('named.conf.ejs', { ...ctx, zoneFile }) },
  );
  for (const db of componentsWithRole(lab, 'db')) {
    const primary = db.replicaOf ? component(lab, db.replicaOf) : undefined;
    const hasReplica = lab.components.some((c) => c.replicaOf === db.name);
    files.push({ path: `initdb/${db.name}/01-schema.sh`, content: render('db-init.sh.ejs', { ...ctx, db, isReplica: !!primary, hasReplica }), mode: 0o755 });
    if (primary)
      files.push({
        path: `initdb/${db.name}/02-replica.sh`,
        content: render('db-replica.sh.ejs', { ...ctx, db, primary, primaryAddress: addressFrom(lab, addressing, db.name, primary.name), retry: REPLICA_RETRY }),
        mode: 0o755,
      });
    files.push({ path: `initdb/${db.name}/${DB_HEALTHCHECK}`, content: render('db-healthcheck.ejs', { ...ctx, db, isReplica: !!primary }), mode: 0o755 });
  }
  for (const monitor of componentsWithRole(lab, 'monitor')) {
    const targets = monitor.scrapes.map((name) => {
      const c = component(lab, name)!;
      return { component: c, port: c.role === 'lb' ? LB_ADMIN_PORT : APP_PORT, dynamic: c.maxReplicas > 1 };
    });
    files.push({ path: `config/prometheus/${monitor.name}.yml`, content: prometheusConfig(lab, monitor, targets) });
  }
  files.push({ path: 'README.md', content: render('README.md.ejs', ctx) });
  files.push({ path: 'app/server.js', content: input.appServer });
  const services = lab.components.map((c) => service(c, input, addressing));
  for (const s of services) s.configHash = hashMounted(s, files);
  files.unshift({ path: 'docker-compose.yml', content: composeFile({ lab, flavor, version: input.version, addressing, services }) });
  return files;
}

/** File content without what changes at every rendering (the zone's serial). */
export const stableContent = (f: ProjectFile) => f.content.replace(/^\s*\d+ ; serial$/m, '');

/**
 * Hash of the project files a service mounts. It is a label of the service, so that compose
 * recreates the container when its configuration or program changed, not only its compose entry.
 */
function hashMounted(s: Service, files: ProjectFile[]): string {
  const mounted = s.volumes.filter((v) => v.startsWith('./')).map((v) => v.slice(2).split(':')[0]);
  const h = createHash('sha256');
  for (const f of files.filter((x) => mounted.some((m) => x.path === m || x.path.startsWith(`${m}/`))).sort((a, b) => a.path.localeCompare(b.path)))
    h.update(f.path).update('\0').update(stableContent(f)).update('\0');
  return h.digest('hex').slice(0, 12);
}

/** The zone's serial: seconds since 1970, a common convention that grows with every rendering. */
export const zoneSerial = (now: Date) => Math.floor(now.getTime() / 1000);

export interface ZoneRecord {
  name: string;
  type: string;
  value: string;
  comment?: string;
}

/** Records of the zone, relative to its origin, with component names turned into addresses. */
export function zoneRecords(lab: Lab, addressing: Addressing): ZoneRecord[] {
  const dns = componentsWithRole(lab, 'dns')[0];
  const rel = (name: string) => {
    const fqdn = normalizeName(name, lab.domain);
    return fqdn === lab.domain ? '@' : fqdn.endsWith(`.${lab.domain}`) ? fqdn.slice(0, -lab.domain.length - 1) : `${fqdn}.`;
  };
  const records: ZoneRecord[] = [];
  if (!lab.dns.some((r) => r.type === 'NS')) {
    records.push({ name: '@', type: 'NS', value: 'ns1' });
    records.push({ name: 'ns1', type: 'A', value: publicAddress(lab, addressing, dns), comment: dns.name });
  }
  for (const r of lab.dns) {
    if (r.type === 'A') {
      const c = component(lab, r.component)!;
      records.push({ name: rel(r.name), type: 'A', value: publicAddress(lab, addressing, c), comment: c.name });
    } else records.push({ name: rel(r.name), type: r.type, value: rel(r.target) });
  }
  return records;
}

/** The network a component is reached on: one it shares with the DNS server (where users are), else its first. */
function reachedOn(lab: Lab, c: Component): string {
  const dns = componentsWithRole(lab, 'dns')[0];
  return c.networks.find((n) => dns.networks.includes(n)) ?? c.networks[0];
}

/** The address users reach a component at (see reachedOn). */
function publicAddress(lab: Lab, addressing: Addressing, c: Component): string {
  return addressing.components[c.name][reachedOn(lab, c)];
}

export interface Service {
  name: string;
  component: Component;
  image: string;
  command?: string[];
  user?: string;
  environment: Record<string, string>;
  volumes: string[];
  /** mac: the network is the container's first (compose: priority), and its MAC address is fixed. */
  networks: { name: string; address?: string; mac?: string }[];
  ports: string[];
  healthcheck?: string[];
  dependsOn: { name: string; condition: string }[];
  cpus?: number;
  memoryMb?: number;
  /** Hash of the mounted project files (see hashMounted). */
  configHash?: string;
}

/**
 * Start order: a component starts once what it forwards to is healthy, so that a load balancer's
 * first health checks find its servers ready (compose uses this only when starting).
 */
const healthyFirst = (names: string[]) => [...new Set(names)].map((name) => ({ name, condition: 'service_healthy' }));

/**
 * The database server's settings, as flags on its command line rather than a mounted option file:
 * mysqld ignores world-writable option files, and Docker Desktop on Windows shows bind mounts as 0777.
 */
export function dbServerFlags(lab: Lab, db: Component, flavor: Flavor): string[] {
  const isReplica = !!db.replicaOf;
  const replicated = isReplica || lab.components.some((c) => c.replicaOf === db.name);
  // A lab database is small: these keep its memory to a few tens of MB.
  const flags = ['--bind-address=0.0.0.0', '--skip-name-resolve', '--performance-schema=OFF', '--innodb-buffer-pool-size=32M', '--max-connections=100'];
  if (!replicated) return flags;
  const serverId = componentsWithRole(lab, 'db').indexOf(db) + 1;
  // Each server has its own id; transactions are tracked by GTID. Log files are named after the
  // component, not the container's host name, which can change.
  flags.push(`--server-id=${serverId}`);
  if (flavor === 'debian') flags.push(`--log-basename=${db.name}`);
  flags.push(`--log-bin=${db.name}-bin`, `--relay-log=${db.name}-relay-bin`, '--binlog-format=ROW');
  flags.push(...(flavor === 'official' ? ['--gtid-mode=ON', '--enforce-gtid-consistency=ON'] : ['--gtid-strict-mode=ON', '--log-slave-updates=ON']));
  if (isReplica) {
    // The replica only follows its primary; the app never writes here.
    flags.push('--read-only=ON');
    flags.push(
      ...(flavor === 'official'
        ? [`--replica-net-timeout=${REPLICA_RETRY.netTimeoutSeconds}`]
        : [`--slave-net-timeout=${REPLICA_RETRY.netTimeoutSeconds}`, `--master-retry-count=${REPLICA_RETRY.retryCount}`]),
    );
  }
  return flags;
}

function service(c: Component, input: RenderInput, addressing: Addressing): Service {
  const { lab, flavor } = input;
  const s: Service = {
    name: c.name,
    component: c,
    image: imageFor(flavor, c.image),
    environment: {},
    volumes: [],
    networks: c.networks.map((n) => {
      const address = addressing.components[c.name]?.[n];
      // On one network only, which must be the container's first: Compose v2 sets a MAC address on others only with
      // API 1.44 (Podman 4 has 1.41).
      return { name: n, address, ...(input.fixedMacs && address && n === reachedOn(lab, c) ? { mac: macFor(address) } : {}) };
    }),
    ports: lab.entrypoints
      .filter((e) => e.component === c.name)
      .flatMap((e) => (e.protocol === 'dns' ? [`${e.port}/udp`, `${e.port}/tcp`] : [String(e.port)]))
      .map((p) => `\${BIND_ADDRESS:-127.0.0.1}::${p}`),
    dependsOn: [],
    cpus: input.limits ? Math.min(c.cpus ?? input.limits.cpus, input.limits.cpus) : c.cpus,
    memoryMb: input.limits?.memoryMb,
  };
  switch (c.image) {
    case 'web':
      s.command = ['nginx', '-g', 'daemon off;'];
      s.dependsOn = healthyFirst(c.upstreams);
      s.volumes.push(`./config/nginx/${c.name}.conf:/etc/nginx/nginx.conf:ro`);
      s.healthcheck = ['CMD', 'curl', '-fsS', '-o', '/dev/null', 'http://127.0.0.1/nginx-health'];
      break;
    case 'app': {
      const db = c.database!;
      const addressOf = (name: string) => addressFrom(lab, addressing, c.name, name) ?? name;
      s.command = ['node', '/app/server.js'];
      // Unprivileged: the port is above 1024 and the server writes nothing.
      s.user = APP_USER;
      s.volumes.push('./app/server.js:/app/server.js:ro');
      Object.assign(s.environment, {
        PORT: String(APP_PORT),
        ...(c.maxReplicas > 1 ? {} : { INSTANCE_NAME: c.name }),
        APP_VERSION: `\${${versionVariable(c.name)}:-1}`,
        DB_WRITE_NAME: db.write,
        DB_WRITE_HOST: addressOf(db.write),
        DB_READ_NAME: db.read,
        DB_READ_HOST: addressOf(db.read),
        DB_NAME: 'app',
        DB_USER: 'app',
        DB_PASSWORD: '${DB_APP_PASSWORD}',
        ...(c.cpuCostMs ? { CPU_COST_MS: String(c.cpuCostMs) } : {}),
      });
      // The check gives up by itself: Docker does not end a check that outlives its timeout, and on a
      // busy machine checks that wait forever pile up, each one more process competing for the CPU.
      // curl (debian flavor) costs a fraction of a Node start; the official Node image has no curl.
      const nodeCheck = `setTimeout(()=>process.exit(1),1500);require('http').get('http://127.0.0.1:${APP_PORT}/ready',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))`;
      s.healthcheck =
        flavor === 'debian' ? ['CMD', 'curl', '-fsS', '-m', '1.5', '-o', '/dev/null', `http://127.0.0.1:${APP_PORT}/ready`] : ['CMD', 'node', '-e', nodeCheck];
      s.dependsOn = healthyFirst([db.write, db.read]);
      break;
    }
    case 'db':
      s.command = [flavor === 'official' ? 'mysqld' : 'mariadbd', ...dbServerFlags(lab, c, flavor)];
      Object.assign(s.environment, {
        MYSQL_ROOT_PASSWORD: '${DB_ROOT_PASSWORD}',
        // root logs in only from inside its container (the official image's default is from anywhere;
        // 01-schema.sh removes root@'%' where an image made it all the same).
        MYSQL_ROOT_HOST: 'localhost',
        MYSQL_INITDB_SKIP_TZINFO: '1',
        DB_APP_PASSWORD: '${DB_APP_PASSWORD}',
        ...(lab.components.some((x) => x.replicaOf === c.name || c.replicaOf === x.name) ? { DB_REPL_PASSWORD: '${DB_REPL_PASSWORD}' } : {}),
      });
      s.volumes.push(`${dataVolume(c.name)}:/var/lib/mysql`, `./initdb/${c.name}:/docker-entrypoint-initdb.d:ro`);
      // A script, so that no password is on a command line: it reads an account from a 0600 file in the container.
      s.healthcheck = ['CMD', 'bash', `/docker-entrypoint-initdb.d/${DB_HEALTHCHECK}`];
      if (c.replicaOf) s.dependsOn = healthyFirst([c.replicaOf]);
      break;
    case 'dns':
      if (flavor === 'official') {
        // The CoreDNS image has no shell, so no healthcheck: infra-lab asks the server itself.
        s.command = ['-conf', '/etc/coredns/Corefile'];
        s.volumes.push('./config/dns:/etc/coredns:ro');
      } else {
        // named binds port 53 as root, then runs as the user bind (CoreDNS's image runs as nonroot already).
        s.command = ['named', '-g', '-u', 'bind', '-c', '/etc/bind/named.conf'];
        s.volumes.push('./config/dns/named.conf:/etc/bind/named.conf:ro', './config/dns:/etc/bind/zones:ro');
        s.healthcheck = ['CMD', 'dig', '+short', '+time=1', '+tries=1', '@127.0.0.1', lab.domain, 'SOA'];
      }
      break;
    case 'lb':
      // The official image's entrypoint adds -W -db to a haproxy command itself; the debian image has no entrypoint.
      s.command = flavor === 'official' ? ['haproxy', '-f', '/usr/local/etc/haproxy/haproxy.cfg'] : ['haproxy', '-W', '-db', '-f', '/usr/local/etc/haproxy/haproxy.cfg'];
      s.dependsOn = healthyFirst(c.upstreams);
      // The official image runs as user haproxy, which may not bind ports below 1024.
      s.user = 'root';
      s.volumes.push(`./config/haproxy/${c.name}.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro`);
      if (c.tls) s.volumes.push('./tls:/usr/local/etc/haproxy/tls:ro');
      s.healthcheck = ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${LB_ADMIN_PORT}`];
      break;
    case 'monitor':
      s.command = ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--web.listen-address=:9090'];
      if (flavor === 'debian') s.command.unshift('prometheus');
      // The official image is busybox-based (wget); the debian one has curl.
      s.healthcheck =
        flavor === 'official'
          ? ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9090/-/ready']
          : ['CMD', 'curl', '-fsS', '-o', '/dev/null', 'http://127.0.0.1:9090/-/ready'];
      s.volumes.push(`./config/prometheus/${c.name}.yml:/etc/prometheus/prometheus.yml:ro`);
      break;
  }
  return s;
}
