import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to a published port, with the Host header a browser would send. */
export function httpGet(url: string, options: { host: string; ca?: string; timeoutMs?: number }): Promise<HttpAnswer> {
  const u = new URL(url);
  const client = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      u,
      { method: 'GET', headers: { host: options.host }, timeout: options.timeoutMs ?? 5000, ca: options.ca, servername: options.host, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${(options.timeoutMs ?? 5000) / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
