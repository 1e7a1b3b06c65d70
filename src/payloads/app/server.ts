/**
 * The lab's application server: node:http and mysql2, bundled into one file
 * (dist/payloads/app/server.cjs) that runs on Node 18 and later with no npm install.
 *
 *   GET /            HTML: which instance answered, through which web server, and the visit counter (a read)
 *   GET /api/visits  JSON: adds one visit on the write database and reads the counter back from the read database
 *   GET /health      the process is alive
 *   GET /ready       the write database answers
 *   GET /metrics     request counters in the Prometheus text format
 *
 * A failure to reach a database answers 503 with the header X-Failure-Layer: database,
 * so probes can tell it from a failure of nginx or the load balancer, and X-Write-Outcome: unknown
 * when a write was sent to the database but no answer said whether it was applied.
 * The page and /api/visits say in the header X-Read-From (and in their text) which database the
 * counter was read from: the replica, or the primary while the replica is away.
 *
 * Misbehaviour, for the lab's faults, never for users to set: a fault (infra-lab break --mode
 * errors|slow) writes MISBEHAVE_FILE inside the container and sends the app SIGUSR2; the app then
 * answers 500 to that share of requests, or waits that long before it answers. /health stays as it
 * is: it checks that the process is alive, not that it does its job.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import mysql from 'mysql2/promise';
import { MISBEHAVE_FILE, type Misbehaviour } from '../../faults/misbehaviour.js';

const env = process.env;
const config = {
  port: Number(env.PORT ?? 3000),
  instance: env.INSTANCE_NAME || os.hostname(),
  version: env.APP_VERSION ?? '1',
  cpuCostMs: Number(env.CPU_COST_MS ?? 0),
  /** Connect and query timeout: a database that does not answer in this time counts as unreachable. */
  timeoutMs: Number(env.DB_TIMEOUT_MS ?? 1000),
  /**
   * How long a read waits for the replica before it reads from the primary instead. On the lab's
   * network a connection is made in well under a millisecond and the read is one row, so a replica
   * that has not answered in this time is gone (or frozen), and the user should not wait for it.
   */
  replicaTimeoutMs: Number(env.DB_REPLICA_TIMEOUT_MS ?? 300),
  /** While reads go to the primary, how often the app checks in the background whether the replica is back. */
  replicaCheckMs: Number(env.DB_REPLICA_CHECK_MS ?? 500),
  write: { name: env.DB_WRITE_NAME ?? 'db', host: env.DB_WRITE_HOST ?? 'db' },
  read: { name: env.DB_READ_NAME ?? env.DB_WRITE_NAME ?? 'db', host: env.DB_READ_HOST ?? env.DB_WRITE_HOST ?? 'db' },
};

class DatabaseError extends Error {
  /** unknown: a write reached the database and no answer said it failed, so it may have been applied. */
  writeOutcome?: 'unknown';
  constructor(
    readonly database: string,
    cause: unknown,
  ) {
    super(`${database}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

type Connection = mysql.PoolConnection;

/**
 * One database the app uses, with a circuit breaker: once it is found unreachable, requests fail
 * at once with a database error, while one request at a time tries whether it answers again.
 * Without it, requests would queue behind connection attempts to a dead host and time out,
 * and the user would see a hanging site instead of an error page.
 */
class Database {
  private readonly pool: mysql.Pool;
  private down = false;
  private trying = false;

  constructor(
    readonly name: string,
    host: string,
    private readonly timeoutMs = config.timeoutMs,
  ) {
    this.pool = mysql.createPool({
      host,
      port: 3306,
      user: env.DB_USER ?? 'app',
      password: env.DB_PASSWORD ?? '',
      database: env.DB_NAME ?? 'app',
      connectTimeout: timeoutMs,
      connectionLimit: 16,
      maxIdle: 4,
      idleTimeout: 10_000,
      enableKeepAlive: true,
    });
  }

  async use<T>(work: (conn: Connection) => Promise<T>): Promise<T> {
    if (this.down && this.trying) throw new DatabaseError(this.name, new Error('unreachable; failing fast until it answers again'));
    const trial = this.down;
    if (trial) this.trying = true;
    let conn: Connection | undefined;
    try {
      conn = await this.pool.getConnection();
      const result = await work(conn);
      conn.release();
      this.down = false;
      return result;
    } catch (err) {
      // A connection that failed mid-query may be half-open: never hand it out again.
      conn?.destroy();
      // SQL errors carry an SQL state; everything else means the server could not be reached.
      if (!(err as { sqlState?: string }).sqlState) this.down = true;
      throw new DatabaseError(this.name, err);
    } finally {
      if (trial) this.trying = false;
    }
  }

  async query<T>(sql: string): Promise<T> {
    return this.use(async (conn) => (await conn.query({ sql, timeout: this.timeoutMs }))[0] as T);
  }
}

const COUNTER_SQL = 'SELECT visits FROM counter WHERE id = 1';

/**
 * The replica reads go to. Once a read from it fails, the app remembers that it is away: reads go
 * straight to the primary, and a check in the background (every replicaCheckMs) asks the replica
 * for the counter. Only when it answers with a value at least the primary's, read just before (it
 * is back and has caught up with what it missed), do reads go to it again. So only the read in
 * flight when the replica died waits for it (at most replicaTimeoutMs), and no user's read is the
 * one that tries whether it is back.
 */
class Replica {
  readonly db: Database;
  private checker?: NodeJS.Timeout;
  private checking = false;

  constructor(
    readonly name: string,
    host: string,
    private readonly primary: Database,
  ) {
    this.db = new Database(name, host, config.replicaTimeoutMs);
  }

  get away(): boolean {
    return this.checker !== undefined;
  }

  /** The replica failed: reads go to the primary until the background check finds it back. */
  failed(err: unknown): void {
    if (this.away) return;
    console.log(`reads go to ${this.primary.name}: ${(err as Error)?.message ?? String(err)}`);
    this.checker = setInterval(() => void this.check(), config.replicaCheckMs);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      // Without the primary (it is down too) there is nothing to compare with: answering is enough.
      const primary = await this.primary.query<{ visits: number }[]>(COUNTER_SQL).then(
        (rows) => Number(rows[0].visits),
        () => undefined,
      );
      const replica = Number((await this.db.query<{ visits: number }[]>(COUNTER_SQL))[0].visits);
      if (primary !== undefined && replica < primary) return;
      clearInterval(this.checker);
      this.checker = undefined;
      console.log(`reads back on ${this.name}: it answers${primary === undefined ? '' : ` and has caught up (visits ${replica}, ${this.primary.name} ${primary})`}`);
    } catch {
      // Still away; the next check tries again.
    } finally {
      this.checking = false;
    }
  }
}

const writeDb = new Database(config.write.name, config.write.host);
const replica = config.read.host === config.write.host ? undefined : new Replica(config.read.name, config.read.host, writeDb);

/**
 * Adds one visit on the primary; returns the value written (LAST_INSERT_ID keeps it per connection).
 * When the UPDATE was sent and then timed out or lost its connection, the database may still apply
 * it (a paused server does when it resumes): the error says the outcome is unknown.
 */
async function addVisit(): Promise<number> {
  const update = { sent: false, refused: false };
  try {
    return await writeDb.use(async (conn) => {
      update.sent = true;
      await conn.query({ sql: 'UPDATE counter SET visits = LAST_INSERT_ID(visits + 1) WHERE id = 1', timeout: config.timeoutMs }).catch((err: { sqlState?: string }) => {
        // An SQL error is the server's answer: the statement was not applied.
        update.refused = !!err.sqlState;
        throw err;
      });
      const [rows] = await conn.query({ sql: 'SELECT LAST_INSERT_ID() AS visits', timeout: config.timeoutMs });
      return Number((rows as { visits: number }[])[0].visits);
    });
  } catch (err) {
    if (err instanceof DatabaseError && update.sent && !update.refused) err.writeOutcome = 'unknown';
    throw err;
  }
}

/** Reads the counter from the replica, or from the primary while the replica is away (or when it fails now). */
async function readVisits(): Promise<{ visits: number; from: string }> {
  if (replica && !replica.away) {
    try {
      const rows = await replica.db.query<{ visits: number }[]>(COUNTER_SQL);
      return { visits: Number(rows[0].visits), from: replica.name };
    } catch (err) {
      replica.failed(err);
    }
  }
  const rows = await writeDb.query<{ visits: number }[]>(COUNTER_SQL);
  return { visits: Number(rows[0].visits), from: writeDb.name };
}

let misbehave: Misbehaviour = {};

/** Reads what the fault asks for; no file (heal removed it) means behave. */
function readMisbehaviour(): void {
  try {
    const m = JSON.parse(fs.readFileSync(MISBEHAVE_FILE, 'utf8')) as Misbehaviour;
    misbehave = { errorPercent: Number(m.errorPercent) || undefined, delayMs: Number(m.delayMs) || undefined };
  } catch {
    misbehave = {};
  }
  console.log(misbehave.errorPercent || misbehave.delayMs ? `misbehaving as a fault asks: ${JSON.stringify(misbehave)}` : 'behaving again');
}
process.on('SIGUSR2', readMisbehaviour);

/** Burn CPU for the configured time, so that the cost of a request shows under load. */
function burnCpu(ms: number) {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  let x = 0;
  while (process.hrtime.bigint() < end) x += Math.sqrt(x + 1);
  return x;
}

const counts = new Map<string, number>();
const count = (path: string, status: number) => {
  const key = `path="${path}",status="${status}"`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

function send(res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) {
  const close = closing ? { connection: 'close' } : {};
  res.writeHead(status, { 'content-type': type, 'x-app-instance': config.instance, 'x-app-version': config.version, ...close, ...headers });
  res.end(body);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
  const path = (req.url ?? '/').split('?')[0];
  const web = String(req.headers['x-web-server'] ?? 'none (direct)');
  if (path === '/health') {
    send(res, 200, 'application/json', JSON.stringify({ status: 'alive', instance: config.instance, version: config.version }));
    return 200;
  }
  if (path === '/metrics') {
    const lines = ['# TYPE app_http_requests_total counter', ...[...counts].map(([k, v]) => `app_http_requests_total{${k}} ${v}`)];
    send(res, 200, 'text/plain; version=0.0.4', `${lines.join('\n')}\n`);
    return 200;
  }
  if ((path === '/' || path === '/api/visits') && (misbehave.errorPercent || misbehave.delayMs)) {
    if (misbehave.delayMs) await new Promise((r) => setTimeout(r, misbehave.delayMs));
    if (Math.random() * 100 < (misbehave.errorPercent ?? 0)) {
      send(res, 500, 'application/json', JSON.stringify({ error: 'internal', detail: 'a fault makes this app server fail' }));
      return 500;
    }
  }
  try {
    if (path === '/ready') {
      await writeDb.query('SELECT 1');
      send(res, 200, 'application/json', JSON.stringify({ status: 'ready', database: config.write.name }));
      return 200;
    }
    if (path === '/api/visits') {
      if (config.cpuCostMs > 0) burnCpu(config.cpuCostMs);
      const written = await addVisit();
      const read = await readVisits();
      const body = { visits: written, readBack: read.visits, readFrom: read.from, writtenTo: config.write.name, instance: config.instance, web, version: config.version };
      send(res, 200, 'application/json', JSON.stringify(body), { 'x-read-from': read.from });
      return 200;
    }
    if (path === '/') {
      if (config.cpuCostMs > 0) burnCpu(config.cpuCostMs);
      const read = await readVisits();
      const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>foobar.com</title></head>
<body>
<h1>Welcome to foobar.com</h1>
<p>Answered by app server <strong id="instance">${escapeHtml(config.instance)}</strong> (version <span id="version">${escapeHtml(config.version)}</span>),
through web server <strong id="web">${escapeHtml(web)}</strong>.</p>
<p>Visits so far: <strong id="visits">${read.visits}</strong> (read from ${escapeHtml(read.from)}).</p>
</body></html>
`;
      send(res, 200, 'text/html; charset=utf-8', html, { 'x-read-from': read.from });
      return 200;
    }
    send(res, 404, 'application/json', JSON.stringify({ error: 'not found', path }));
    return 404;
  } catch (err) {
    if (!(err instanceof DatabaseError)) throw err;
    send(res, 503, 'application/json', JSON.stringify({ error: 'database', database: err.database, detail: err.message, writeOutcome: err.writeOutcome }), {
      'x-failure-layer': 'database',
      ...(err.writeOutcome ? { 'x-write-outcome': err.writeOutcome } : {}),
    });
    return 503;
  }
}

/** Set on SIGTERM: answers say Connection: close, so that no keep-alive connection outlives the process. */
let closing = false;

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  handle(req, res)
    .then((status) => count(path, status))
    .catch((err: Error) => {
      count(path, 500);
      send(res, 500, 'application/json', JSON.stringify({ error: 'internal', detail: err.message }));
    });
});
// Longer than nginx's keep-alive to its upstreams (60 s), so that nginx, not the app, closes an idle
// connection: an app that closes one just as nginx sends a request on it fails that request.
server.keepAliveTimeout = 65_000;

/**
 * Connects to the databases before taking requests, so that the first users of a (re)started app
 * server do not wait for its connection pools. A database that does not answer is left to the
 * circuit breaker: the server listens anyway, to answer that its database is down.
 */
async function warmUp(): Promise<void> {
  await Promise.allSettled([writeDb.query('SELECT 1'), replica?.db.query('SELECT 1').catch((err) => replica.failed(err))]);
}

warmUp().then(() =>
  server.listen(config.port, () => {
    console.log(`app ${config.instance} version ${config.version} listening on :${config.port}; writes to ${config.write.name}, reads from ${config.read.name}`);
  }),
);

/**
 * A graceful stop: no new connections, the requests in flight are answered (with Connection: close),
 * idle keep-alive connections are closed, and the process exits once the last connection is gone.
 * Those who stop it (compose, infra-lab's deploys) take it out of rotation first; the deadline
 * stays under compose's 10 s before SIGKILL.
 */
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`${signal}: closing; answering the requests in flight`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    console.log('requests still open after 8 s; exiting');
    process.exit(0);
  }, 8000).unref();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
