import { jest } from '@jest/globals';
import { httpGet } from '../../src/measure/http.js';
import { lookupWww } from '../../src/measure/dns.js';
import { LiveLab, useLiveLab, type StatusJson } from '../helpers/live.js';

jest.setTimeout(600_000);

const lab = useLiveLab('scale-up');
let status: StatusJson;
beforeAll(() => {
  status = lab.status();
});

test('the apex has two A records, one per load balancer, and both load balancers serve', async () => {
  const answer = await lookupWww(status.endpoints.dns!, 'foobar.com');
  const lbAddresses = ['lb-1', 'lb-2'].map((name) => {
    const c = status.services.find((s) => s.component === name)!.containers[0];
    return Object.entries(c.addresses).find(([net]) => net.endsWith('_public'))![1];
  });
  expect(answer.addresses.sort()).toEqual(lbAddresses.sort());
  for (const name of ['http', 'http-2']) {
    const r = await httpGet(`${status.endpoints.all[name]}api/visits`, { host: 'www.foobar.com' });
    expect(r.status).toBe(200);
    expect(r.headers['x-load-balancer']).toBe(name === 'http' ? 'lb-1' : 'lb-2');
  }
});

test('the app tier runs with two replicas, and both answer', async () => {
  const app = status.services.find((s) => s.component === 'app')!;
  expect(app.containers).toHaveLength(2);
  expect(app.containers.every((c) => c.state === 'running' && c.health === 'healthy')).toBe(true);
  const instances = new Set<string>();
  for (let i = 0; i < 30 && instances.size < 2; i++) {
    const r = await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' });
    expect(r.status).toBe(200);
    instances.add(String(r.headers['x-app-instance']));
  }
  expect(instances.size).toBe(2);
});

test('another lab can be up at the same time, on its own ports and addresses', async () => {
  const other = new LiveLab('single-server');
  try {
    other.start();
    const second = other.status();
    expect(second.state).toBe('up');
    expect(second.endpoints.http).not.toBe(status.endpoints.http);
    expect(second.endpoints.dns).not.toBe(status.endpoints.dns);
    for (const url of [status.endpoints.http!, second.endpoints.http!]) expect((await httpGet(url, { host: 'www.foobar.com' })).status).toBe(200);
    // Each lab has networks of its own: their DNS servers have different addresses.
    const dnsAddress = (s: StatusJson) => Object.values(s.services.find((x) => x.component === 'dns')!.containers[0].addresses)[0];
    expect(dnsAddress(second)).not.toBe(dnsAddress(status));
  } finally {
    expect(other.destroy()).toEqual([]);
  }
});
