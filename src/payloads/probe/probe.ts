/**
 * The probe: follows the path a user's browser takes, over and over, from inside the lab's
 * public network (so it works where the host cannot reach container addresses, as with
 * Docker Desktop). Each round asks the lab's DNS server for www.<domain> (CNAME, then A),
 * sends one HTTP request to the address it got (the next address if the first refuses),
 * and prints one JSON line per request on stdout. Bundled into dist/payloads/probe/probe.cjs.
 *
 * Environment: PROBE_DNS (server address), PROBE_DOMAIN, PROBE_SCHEME (http|https),
 * PROBE_PORT, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS, PROBE_CA (file, for https), PROBE_COUNT (0: forever),
 * PROBE_UNTIL_STDIN_CLOSES (1: end when stdin closes).
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Resolver } from 'node:dns/promises';
import { classifyError, classifyStatus, type Sample } from '../../measure/sample.js';

const env = process.env;
const domain = env.PROBE_DOMAIN ?? 'foobar.com';
const scheme = env.PROBE_SCHEME === 'https' ? 'https' : 'http';
const port = Number(env.PROBE_PORT ?? (scheme === 'https' ? 443 : 80));
const intervalMs = Number(env.PROBE_INTERVAL_MS ?? 50);
const timeoutMs = Number(env.PROBE_TIMEOUT_MS ?? 2000);
const count = Number(env.PROBE_COUNT ?? 0);
const ca = env.PROBE_CA ? fs.readFileSync(env.PROBE_CA, 'utf8') : undefined;
/** A client waits this long for a connection before it tries the next address of the name. */
const connectTimeoutMs = Math.min(500, timeoutMs);

const now = () => performance.timeOrigin + performance.now();

class ProbeError extends Error {
  constructor(
    readonly stage: 'dns' | 'http',
    readonly code: string | undefined,
    message: string,
    /** The connection was made, so the request went out: whatever failed after, the server may have acted on it. */
    readonly sent = false,
  ) {
    super(message);
  }
}

async function resolveWww(): Promise<string[]> {
  // A new resolver each time: nothing is cached, so every request tests the DNS server.
  const resolver = new Resolver({ timeout: Math.min(1000, timeoutMs), tries: 1 });
  resolver.setServers([env.PROBE_DNS ?? '127.0.0.1']);
  try {
    const cname = await resolver.resolveCname(`www.${domain}`);
    return await resolver.resolve4(cname[0]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ProbeError('dns', e.code, `DNS: ${e.code ?? e.message}`);
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(address: string, path: string, deadline: number): Promise<Answer> {
  const client = scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      { host: address, port, path, method: 'GET', headers: { host: `www.${domain}`, connection: 'close' }, agent: false, ca, servername: `www.${domain}` },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', (err) => reject(new ProbeError('http', (err as NodeJS.ErrnoException).code, err.message, true)));
      },
    );
    let connected = false;
    const connectTimer = setTimeout(() => {
      if (!connected) req.destroy(Object.assign(new Error(`no connection to ${address} in ${connectTimeoutMs} ms`), { code: 'ECONNECTTIMEOUT' }));
    }, connectTimeoutMs);
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), Math.max(0, deadline - now()));
    req.on('socket', (socket) => socket.once(scheme === 'https' ? 'secureConnect' : 'connect', () => (connected = true)));
    req.on('close', () => {
      clearTimeout(timer);
      clearTimeout(connectTimer);
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(new ProbeError('http', err.code, err.message, connected)));
    req.end();
  });
}

async function once(seq: number): Promise<Sample> {
  const kind: Sample['kind'] = seq % 2 === 0 ? 'write' : 'read';
  const t = now();
  const deadline = t + timeoutMs;
  const done = (s: Omit<Sample, 'seq' | 'kind' | 't' | 'ms'>): Sample => ({ seq, kind, t, ms: Math.round((now() - t) * 10) / 10, ...s });
  try {
    const addresses = await resolveWww();
    let lastError: unknown;
    for (const address of addresses) {
      try {
        const answer = await request(address, kind === 'write' ? '/api/visits' : '/', deadline);
        const layer = classifyStatus(answer.status, answer.headers['x-failure-layer'] as string | undefined);
        const instance = answer.headers['x-app-instance'] as string | undefined;
        const version = answer.headers['x-app-version'] as string | undefined;
        const unknown = answer.headers['x-write-outcome'] === 'unknown' ? { unknown: true } : {};
        if (layer) return done({ ok: false, layer, status: answer.status, address, instance, detail: answer.body.slice(0, 200), ...unknown });
        const visits = kind === 'write' ? (JSON.parse(answer.body) as { visits: number }).visits : undefined;
        const readFrom = answer.headers['x-read-from'] as string | undefined;
        return done({ ok: true, status: answer.status, address, instance, version, visits, ...(readFrom ? { readFrom } : {}) });
      } catch (err) {
        lastError = err;
        // Like a browser: when a connection cannot be made, try the next address of the name.
        const code = (err as ProbeError).code;
        if (code !== 'ECONNREFUSED' && code !== 'EHOSTUNREACH' && code !== 'ECONNECTTIMEOUT' && code !== 'ENETUNREACH') break;
      }
    }
    throw lastError;
  } catch (err) {
    const e = err as ProbeError;
    const code = e.code === 'ECONNECTTIMEOUT' ? 'ETIMEDOUT' : e.code;
    return done({ ok: false, layer: classifyError(e.stage ?? 'http', code), detail: `${e.code ?? ''} ${e.message}`.trim(), ...(e.sent ? { unknown: true } : {}) });
  }
}

// Requests start on a fixed schedule, whether or not earlier ones have answered:
// a request that hangs must not hide the ones that would have failed meanwhile.
const start = now();
let seq = 0;
const inflight = new Set<Promise<void>>();
function tick() {
  if (count > 0 && seq >= count) {
    Promise.all(inflight).then(() => process.exit(0));
    return;
  }
  const s = seq++;
  const p: Promise<void> = once(s).then((sample) => {
    process.stdout.write(`${JSON.stringify(sample)}\n`);
    inflight.delete(p);
  });
  inflight.add(p);
  const next = start + seq * intervalMs;
  setTimeout(tick, Math.max(0, next - now()));
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
// infra-lab keeps the probe's stdin open for as long as the command that started it runs; when that
// command ends (even killed), stdin closes and the probe ends with it instead of probing forever.
if (env.PROBE_UNTIL_STDIN_CLOSES === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
tick();
