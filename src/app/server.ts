/**
 * The lab's application server: node:http and mysql2, bundled into one file
 * (dist/app/server.cjs) that runs on Node 18 and later with no npm install.
 *
 *   GET /            HTML: which instance answered, through which web server, and the visit counter (a read)
 *   GET /api/visits  JSON: adds one visit on the write database and reads the counter back from the read database
 *   GET /health      the process is alive
 *   GET /ready       the write database answers
 *   GET /metrics     request counters in the Prometheus text format
 *
 * A failure to reach a database answers 503 with the header X-Failure-Layer: database,
 * so probes can tell it from a failure of nginx or the load balancer.
 */
import http from 'node:http';
import os from 'node:os';
import mysql from 'mysql2/promise';

const env = process.env;
const config = {
  port: Number(env.PORT ?? 3000),
  instance: env.INSTANCE_NAME || os.hostname(),
  version: env.APP_VERSION ?? '1',
  cpuCostMs: Number(env.CPU_COST_MS ?? 0),
  queryTimeoutMs: Number(env.DB_TIMEOUT_MS ?? 1500),
  write: { name: env.DB_WRITE_NAME ?? 'db', host: env.DB_WRITE_HOST ?? 'db' },
  read: { name: env.DB_READ_NAME ?? env.DB_WRITE_NAME ?? 'db', host: env.DB_READ_HOST ?? env.DB_WRITE_HOST ?? 'db' },
};

const pool = (host: string) =>
  mysql.createPool({
    host,
    port: 3306,
    user: env.DB_USER ?? 'app',
    password: env.DB_PASSWORD ?? '',
    database: env.DB_NAME ?? 'app',
    connectTimeout: config.queryTimeoutMs,
    connectionLimit: 8,
    maxIdle: 4,
    idleTimeout: 10_000,
    enableKeepAlive: true,
  });
const writePool = pool(config.write.host);
const readPool = config.read.host === config.write.host ? writePool : pool(config.read.host);

class DatabaseError extends Error {
  constructor(
    readonly database: string,
    cause: unknown,
  ) {
    super(`${database}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

async function query<T>(p: mysql.Pool, name: string, sql: string): Promise<T> {
  try {
    const [rows] = await p.query({ sql, timeout: config.queryTimeoutMs });
    return rows as T;
  } catch (err) {
    throw new DatabaseError(name, err);
  }
}

/** Adds one visit on the primary; returns the value written (LAST_INSERT_ID keeps it per connection). */
async function addVisit(): Promise<number> {
  const conn = await writePool.getConnection().catch((err) => {
    throw new DatabaseError(config.write.name, err);
  });
  try {
    await conn.query({ sql: 'UPDATE counter SET visits = LAST_INSERT_ID(visits + 1) WHERE id = 1', timeout: config.queryTimeoutMs });
    const [rows] = await conn.query({ sql: 'SELECT LAST_INSERT_ID() AS visits', timeout: config.queryTimeoutMs });
    conn.release();
    return Number((rows as { visits: number }[])[0].visits);
  } catch (err) {
    // A connection that failed mid-query may be half-open: never hand it out again.
    conn.destroy();
    throw new DatabaseError(config.write.name, err);
  }
}

/** Reads the counter from the read database, falling back to the primary when the replica is gone. */
async function readVisits(): Promise<{ visits: number; from: string }> {
  const sql = 'SELECT visits FROM counter WHERE id = 1';
  try {
    const rows = await query<{ visits: number }[]>(readPool, config.read.name, sql);
    return { visits: Number(rows[0].visits), from: config.read.name };
  } catch (err) {
    if (readPool === writePool) throw err;
    const rows = await query<{ visits: number }[]>(writePool, config.write.name, sql);
    return { visits: Number(rows[0].visits), from: config.write.name };
  }
}

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
  res.writeHead(status, { 'content-type': type, 'x-app-instance': config.instance, 'x-app-version': config.version, ...headers });
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
  try {
    if (path === '/ready') {
      await query(writePool, config.write.name, 'SELECT 1');
      send(res, 200, 'application/json', JSON.stringify({ status: 'ready', database: config.write.name }));
      return 200;
    }
    if (path === '/api/visits') {
      if (config.cpuCostMs > 0) burnCpu(config.cpuCostMs);
      const written = await addVisit();
      const read = await readVisits();
      const body = { visits: written, readBack: read.visits, readFrom: read.from, writtenTo: config.write.name, instance: config.instance, web, version: config.version };
      send(res, 200, 'application/json', JSON.stringify(body));
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
      send(res, 200, 'text/html; charset=utf-8', html);
      return 200;
    }
    send(res, 404, 'application/json', JSON.stringify({ error: 'not found', path }));
    return 404;
  } catch (err) {
    if (!(err instanceof DatabaseError)) throw err;
    send(res, 503, 'application/json', JSON.stringify({ error: 'database', database: err.database, detail: err.message }), {
      'x-failure-layer': 'database',
    });
    return 503;
  }
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  handle(req, res)
    .then((status) => count(path, status))
    .catch((err: Error) => {
      count(path, 500);
      send(res, 500, 'application/json', JSON.stringify({ error: 'internal', detail: err.message }));
    });
});
server.keepAliveTimeout = 65_000;

server.listen(config.port, () => {
  console.log(`app ${config.instance} version ${config.version} listening on :${config.port}; writes to ${config.write.name}, reads from ${config.read.name}`);
});

const shutdown = (signal: string) => {
  console.log(`${signal}: closing`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
