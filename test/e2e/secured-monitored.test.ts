import { jest } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { httpGet } from '../../src/measure/http.js';
import { useLiveLab, type StatusJson } from '../helpers/live.js';

jest.setTimeout(600_000);

const lab = useLiveLab('secured-monitored');
let status: StatusJson;
beforeAll(() => {
  status = lab.status();
});

test("HTTPS answers with the lab's own certificate, and plain HTTP redirects to it", async () => {
  const ca = fs.readFileSync(path.join(status.projectDir, 'tls', 'lab.crt'), 'utf8');
  const secure = await httpGet(status.endpoints.https!, { host: 'www.foobar.com', ca });
  expect(secure.status).toBe(200);
  expect(secure.body).toContain('Welcome to foobar.com');
  // Without the lab's certificate, the connection is refused as untrusted.
  await expect(httpGet(status.endpoints.https!, { host: 'www.foobar.com' })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  const plain = await httpGet(status.endpoints.http!, { host: 'www.foobar.com' });
  expect(plain.status).toBe(301);
  expect(plain.headers.location).toBe('https://www.foobar.com/');
});

test('the database network is out of reach of the load balancer, and in reach of the app servers', () => {
  const primary = status.services.find((s) => s.component === 'db-primary')!.containers[0];
  const address = Object.values(primary.addresses)[0];
  const probe = (component: string) =>
    lab.run(['exec', component, '--', 'bash', '-c', `timeout 3 bash -c 'exec 3<>/dev/tcp/${address}/3306' && echo reached`]);
  const fromLb = probe('lb');
  expect(fromLb.code).not.toBe(0);
  expect(fromLb.stdout).not.toContain('reached');
  const fromWeb = probe('web-1');
  expect(fromWeb.stdout).not.toContain('reached');
  expect(probe('app-1').stdout).toContain('reached');
});

test('only the load balancer, the DNS server and the monitoring server publish ports', () => {
  const published = status.services.filter((s) => s.containers.some((c) => c.ports.length > 0)).map((s) => s.component);
  expect(published).toEqual(['dns', 'lb', 'monitor']);
});

test('Prometheus reports its targets up and a QPS figure for the web tier', async () => {
  const ca = fs.readFileSync(path.join(status.projectDir, 'tls', 'lab.crt'), 'utf8');
  const monitor = status.endpoints.monitor!;
  const query = async (q: string) => JSON.parse((await httpGet(`${monitor}api/v1/query?query=${encodeURIComponent(q)}`, { host: 'localhost' })).body);
  // Targets come up within a few scrape intervals.
  let targets: { health: string; labels: { job: string } }[] = [];
  for (let i = 0; i < 60; i++) {
    targets = JSON.parse((await httpGet(`${monitor}api/v1/targets`, { host: 'localhost' })).body).data.activeTargets;
    if (targets.length === 3 && targets.every((t) => t.health === 'up')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(targets.map((t) => [t.labels.job, t.health]).sort()).toEqual([
    ['app-1', 'up'],
    ['app-2', 'up'],
    ['lb', 'up'],
  ]);
  // Some traffic, then the web tier's rate of requests as the load balancer counts them.
  let qps = 0;
  for (let i = 0; i < 30 && qps <= 0; i++) {
    for (let j = 0; j < 20; j++) await httpGet(status.endpoints.https!, { host: 'www.foobar.com', ca });
    const r = await query('sum(rate(haproxy_server_http_responses_total{proxy="servers"}[10s]))');
    qps = Number(r.data.result[0]?.value[1] ?? 0);
  }
  expect(qps).toBeGreaterThan(0);
});
