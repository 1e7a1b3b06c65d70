// A user's view of a lab, independent of infra-lab's own probe: from the host, through the lab's
// published HTTP port, with the Host header of the site, a request on a fixed schedule whatever
// the earlier ones do, alternating a write (/api/visits) and a read (/). Each request opens its
// own connection, as a new visitor would, and counts as failed when it does not answer 2xx within
// the timeout. Plain JavaScript so that bench/ scripts share it with the tests (user-probe.d.mts).
import http from 'node:http';

const PATHS = ['/api/visits', '/'];

/** One request: a 2xx within the timeout, or why not. */
function send(url, path, host, timeoutMs) {
  const start = performance.timeOrigin + performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const ms = performance.timeOrigin + performance.now() - start;
      resolve({ path, start, ms: Math.round(ms * 10) / 10, ok: result.status !== undefined && result.status >= 200 && result.status < 300, ...result });
    };
    const req = http.get(new URL(path, url), { headers: { host, connection: 'close' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => finish({ status: res.statusCode, instance: res.headers['x-app-instance'], version: res.headers['x-app-version'], readFrom: res.headers['x-read-from'] }));
      res.on('error', (err) => finish({ error: err.code ?? err.message }));
    });
    const timer = setTimeout(() => {
      finish({ error: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => finish({ error: err.code ?? err.message }));
  });
}

/**
 * Starts probing `url` (e.g. http://127.0.0.1:PORT/) every intervalMs; stop() waits for the requests
 * in flight and resolves with every request, in the order they were sent.
 */
export function userProbe(url, { intervalMs = 20, timeoutMs = 1000, host = 'www.foobar.com' } = {}) {
  const requests = [];
  const inflight = new Set();
  const t0 = performance.now();
  let seq = 0;
  let timer;
  const tick = () => {
    const i = seq++;
    const p = send(url, PATHS[i % PATHS.length], host, timeoutMs).then((r) => {
      requests[i] = r;
      inflight.delete(p);
    });
    inflight.add(p);
    // A fixed schedule: a request that hangs does not delay the next ones.
    timer = setTimeout(tick, Math.max(0, t0 + seq * intervalMs - performance.now()));
  };
  tick();
  return {
    requests,
    async stop() {
      clearTimeout(timer);
      await Promise.all(inflight);
      return requests;
    },
  };
}

/** Failed requests, the longest request and the slowest ones, for a verdict and a report. */
export function summarize(requests) {
  const failed = requests.filter((r) => !r.ok);
  const longest = requests.reduce((a, r) => (r.ms > (a?.ms ?? -1) ? r : a), undefined);
  const byError = {};
  for (const r of failed) byError[r.error ?? `HTTP ${r.status}`] = (byError[r.error ?? `HTTP ${r.status}`] ?? 0) + 1;
  return { total: requests.length, failed: failed.length, longestMs: longest?.ms ?? 0, longest, byError, firstFailures: failed.slice(0, 5) };
}
