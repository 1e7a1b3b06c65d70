import { jest } from '@jest/globals';
import { docker, useLiveLab, type StatusJson } from '../helpers/live.js';

jest.setTimeout(600_000);

// Network faults and whole servers, on the distributed lab: a helper container in the target's
// network namespace applies them (here, on a kernel without netem: nfq-delay, iptables, tbf).
const lab = useLiveLab('distributed');
// A test that fails half-way leaves its fault; the next one starts from a whole lab.
afterEach(() => expect(lab.run(['heal', '--all']).code).toBe(0));

/** Requests from web-1 straight to an app server, as nginx makes them: the seconds each took and its status. */
function fromWeb1(url: string, count: number): { status: string; seconds: number }[] {
  const loop = `for i in $(seq ${count}); do curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\\n' ${url}; done`;
  const r = lab.run(['exec', 'web-1', '--', 'sh', '-c', loop]);
  expect(r.code).toBe(0);
  return r.stdout.trim().split('\n').map((l) => ({ status: l.split(' ')[0], seconds: Number(l.split(' ')[1]) }));
}
const medianMs = (xs: { seconds: number }[]) => [...xs].map((x) => x.seconds * 1000).sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const containerOf = (service: string) =>
  docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${lab.projectName}`, '--filter', `label=com.docker.compose.service=${service}`]).stdout.trim();

/** What infra-lab's rules left in a container's network namespace, seen from a fresh helper. */
function rulesIn(service: string): string {
  const r = docker(['run', '--rm', '--network', `container:${containerOf(service)}`, '--cap-add', 'NET_ADMIN', 'infra-lab/netfault:bookworm', 'sh', '-c', 'iptables -S; iptables -t mangle -S; tc qdisc show']);
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter((l) => /INFRA-LAB|NFQUEUE|netem|tbf|prio/.test(l)).join('\n');
}
const faultHelpers = () => docker(['ps', '-a', '-q', '--filter', `label=dev.infra-lab.helper=${lab.projectName}`, '--filter', 'label=dev.infra-lab.fault']).stdout.trim();

test('latency on app-1 delays each of its answers by what was asked, and heal removes every rule', () => {
  const before = medianMs(fromWeb1('http://app-1:3000/', 15));
  const broke = lab.run(['break', 'app-1', '--mode', 'latency', '--delay', '300ms']);
  expect(broke.code).toBe(0);
  expect(broke.stdout).toMatch(/app-1 \(.*\) slowed down: each of its answers is delayed by 300 ms \((nfqueue|netem)\)/);
  expect(faultHelpers()).not.toBe('');
  const during = fromWeb1('http://app-1:3000/', 15);
  expect(during.every((d) => d.status === '200')).toBe(true);
  const added = medianMs(during) - before;
  expect(added).toBeGreaterThanOrEqual(250);
  expect(added).toBeLessThan(450);
  // app-2 is untouched.
  expect(medianMs(fromWeb1('http://app-2:3000/', 5))).toBeLessThan(200);

  const healed = lab.run(['heal', 'app-1']);
  expect(healed.code).toBe(0);
  expect(healed.stdout).toMatch(/Healed app-1 \(latency\)/);
  expect(medianMs(fromWeb1('http://app-1:3000/', 10))).toBeLessThan(before + 50);
  expect(rulesIn('app-1')).toBe('');
  expect(faultHelpers()).toBe('');
});

test('a partition of app-1 from the primary: its writes fail as database errors, app-2 writes, the rest is untouched', () => {
  expect(lab.run(['break', 'app-1', '--mode', 'partition', '--to', 'db-primary']).code).toBe(0);
  const viaApp1 = fromWeb1('http://app-1:3000/api/visits', 3);
  expect(viaApp1.map((r) => r.status)).toEqual(['503', '503', '503']);
  const r = lab.run(['exec', 'web-1', '--', 'curl', '-s', '-m', '5', '-D', '-', '-o', '/dev/null', 'http://app-1:3000/api/visits']);
  expect(r.stdout).toMatch(/x-failure-layer: database/i);
  expect(fromWeb1('http://app-2:3000/api/visits', 3).map((x) => x.status)).toEqual(['200', '200', '200']);
  // Reads through app-1 still work: they go to the replica, which app-1 still reaches.
  expect(fromWeb1('http://app-1:3000/', 2).map((x) => x.status)).toEqual(['200', '200']);
  const status = JSON.parse(lab.run(['status', 'distributed', '--json']).stdout)[0] as StatusJson;
  for (const c of ['dns', 'lb']) expect(status.services.find((s) => s.component === c)?.state).toBe('healthy');
  expect(lab.run(['heal', '--all', '--lab', 'distributed']).code).toBe(0);
  expect(fromWeb1('http://app-1:3000/api/visits', 2).map((x) => x.status)).toEqual(['200', '200']);
  expect(rulesIn('app-1')).toBe('');
  expect(faultHelpers()).toBe('');
});

test('100% loss on the primary is a database outage for writes; 30% loss on app-2 costs time, not the page', () => {
  expect(lab.run(['break', 'db-primary', '--mode', 'loss', '--percent', '100']).code).toBe(0);
  expect(fromWeb1('http://app-1:3000/api/visits', 2).map((x) => x.status)).toEqual(['503', '503']);
  expect(lab.run(['heal', 'db-primary']).code).toBe(0);
  expect(rulesIn('db-primary')).toBe('');

  expect(lab.run(['break', 'app-2', '--mode', 'loss', '--percent', '30']).code).toBe(0);
  const lossy = fromWeb1('http://app-2:3000/', 20);
  // Lost packets are sent again after a timeout: some requests take 200 ms or more, most still answer.
  expect(lossy.filter((x) => x.status === '200').length).toBeGreaterThan(10);
  expect(lossy.some((x) => x.status !== '200' || x.seconds >= 0.2)).toBe(true);
  expect(lab.run(['heal', 'app-2']).code).toBe(0);
  expect(rulesIn('app-2')).toBe('');
});

test('bandwidth on app-1 limits the rate it sends at; heal lifts it', () => {
  // 250 KB from a server of the test's own in app-1's container: at 1 mbit/s (125 KB/s) it takes about 2 s.
  const app1 = containerOf('app-1');
  const serve = "require('http').createServer((q, s) => s.end(Buffer.alloc(250000))).listen(3001)";
  expect(docker(['exec', '-d', app1, 'node', '-e', serve]).code).toBe(0);
  const download = () => fromWeb1('http://app-1:3001/', 1)[0];
  expect(download().seconds).toBeLessThan(0.5);
  const broke = lab.run(['break', 'app-1', '--mode', 'bandwidth', '--rate', '1mbit']);
  expect(broke.code).toBe(0);
  expect(broke.stdout).toMatch(/1000 kbit\/s \(tbf\)/);
  const slow = download();
  expect(slow.status).toBe('200');
  expect(slow.seconds).toBeGreaterThan(1.5);
  expect(slow.seconds).toBeLessThan(3);
  expect(lab.run(['heal', 'app-1']).code).toBe(0);
  expect(download().seconds).toBeLessThan(0.5);
  expect(rulesIn('app-1')).toBe('');
});

test('break --server takes every component of server-2 down at once; the site goes on from server-1; heal --server brings them back', async () => {
  const broke = lab.run(['break', '--server', 'server-2', '--lab', 'distributed']);
  expect(broke.code).toBe(0);
  expect(broke.stdout).toMatch(/web-2 .* killed/);
  expect(broke.stdout).toMatch(/app-2 .* killed/);
  expect(broke.stdout).toMatch(/db-replica .* killed/);
  const status = JSON.parse(lab.run(['status', 'distributed', '--json']).stdout)[0] as StatusJson;
  for (const c of ['web-2', 'app-2', 'db-replica']) expect(status.services.find((s) => s.component === c)?.state).toBe('exited');
  for (const c of ['web-1', 'app-1', 'db-primary', 'lb', 'dns']) expect(status.services.find((s) => s.component === c)?.state).toBe('healthy');
  expect(lab.run(['break', 'app-2', '--lab', 'distributed']).stderr).toMatch(/app-2 is already broken .* heal it first: infra-lab heal --server server-2/);
  const healed = lab.run(['heal', '--server', 'server-2', '--lab', 'distributed']);
  expect(healed.code).toBe(0);
  expect(healed.stdout).toMatch(/Healed .*web-2 \(kill\).*app-2 \(kill\).*db-replica \(kill\)/);
});

test('scenario slow-app-1: app-1 slowed by 300 ms is slower, not down, and the report says which method acted', () => {
  const slow = lab.run(['experiment', 'distributed', 'slow-app-1', '--hold', '5', '--json']);
  const report = JSON.parse(slow.stdout);
  // On failure, the verdict and the phases say why.
  expect({ code: slow.code, verdict: report.verdict, phases: report.phases }).toMatchObject({ code: 0, verdict: { ok: true } });
  expect(report.injectedBy).toMatch(/nfqueue|netem/);
  const broken = report.phases.find((p: { name: string }) => p.name === 'broken');
  const baseline = report.phases.find((p: { name: string }) => p.name === 'baseline');
  expect(broken.latencyMs.p95 - baseline.latencyMs.p95).toBeGreaterThanOrEqual(200);
  expect(faultHelpers()).toBe('');
});
