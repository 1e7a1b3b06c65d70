import { resolveLab } from '../../src/lab/load.js';
import { endpointsOf, serviceStates } from '../../src/run/state.js';
import { waitUntil } from '../../src/run/wait.js';
import type { ContainerInfo } from '../../src/engine/runtime.js';

const container = (service: string, over: Partial<ContainerInfo> = {}): ContainerInfo => ({
  id: service,
  name: `p-${service}-1`,
  labels: {},
  project: 'p',
  service,
  state: 'running',
  health: 'healthy',
  exitCode: 0,
  restartCount: 0,
  ports: [],
  networks: {},
  ...over,
});

test('a lab is ready when every service runs and is healthy; dns without a healthcheck counts when running', () => {
  const lab = resolveLab('single-server');
  const states = serviceStates(lab, [container('dns', { health: undefined }), container('web'), container('app', { health: 'starting' }), container('db')]);
  expect(states.map((s) => [s.component, s.summary, s.ready])).toEqual([
    ['dns', 'running', true],
    ['web', 'healthy', true],
    ['app', 'starting', false],
    ['db', 'healthy', true],
  ]);
});

test('missing and exited services are named as such', () => {
  const lab = resolveLab('single-server');
  const states = serviceStates(lab, [container('db', { state: 'exited', health: 'unhealthy' })]);
  expect(states.find((s) => s.component === 'db')!.summary).toBe('exited');
  expect(states.find((s) => s.component === 'web')!.summary).toBe('missing');
});

test('a replicated service is ready only with all its replicas', () => {
  const lab = resolveLab('scale-up');
  const one = serviceStates(lab, [container('app')]).find((s) => s.component === 'app')!;
  const two = serviceStates(lab, [container('app'), container('app', { id: 'b' })]).find((s) => s.component === 'app')!;
  expect([one.ready, two.ready]).toEqual([false, true]);
});

test('endpoints come from the published ports of the entry points; DNS over UDP and TCP each on its own host port', () => {
  const lab = resolveLab('single-server');
  const e = endpointsOf(lab, [
    container('web', { ports: [{ container: '80/tcp', hostIp: '127.0.0.1', hostPort: 49153 }] }),
    container('dns', { ports: [{ container: '53/tcp', hostIp: '127.0.0.1', hostPort: 49155 }, { container: '53/udp', hostIp: '127.0.0.1', hostPort: 49154 }] }),
  ]);
  expect(e).toEqual({
    http: 'http://127.0.0.1:49153/',
    dns: '127.0.0.1:49154',
    dnsTcp: '127.0.0.1:49155',
    all: { http: 'http://127.0.0.1:49153/', dns: '127.0.0.1:49154', 'dns-tcp': '127.0.0.1:49155' },
  });
});

test('waitUntil polls on the injected clock until a value or the deadline', async () => {
  let now = 0;
  let calls = 0;
  const clock = () => now;
  const sleep = async (ms: number) => {
    now += ms;
  };
  expect(await waitUntil(async () => (++calls >= 3 ? 'ok' : undefined), { timeoutMs: 10_000, intervalMs: 100, clock, sleep })).toBe('ok');
  expect([calls, now]).toEqual([3, 200]);
  now = 0;
  expect(await waitUntil(async () => undefined, { timeoutMs: 1000, intervalMs: 300, clock, sleep })).toBeUndefined();
  expect(now).toBe(1200);
});
