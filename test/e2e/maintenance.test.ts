import { jest } from '@jest/globals';
import { useLiveLab, type LiveLab } from '../helpers/live.js';

jest.setTimeout(600_000);

interface Report {
  all: { sent: number; failed: number; longestMs: number; byLayer: Record<string, number> };
  versions?: { version: string; firstMs: number }[];
  throughput?: { before: { requestsPerSecond: number; replicas: number }; after: { requestsPerSecond: number; replicas: number }; ratio: number };
  verdict?: { ok: boolean; contradictions: string[] };
}

const json = <T>(lab: LiveLab, args: string[]): T => {
  const r = lab.run([...args, '--json']);
  if (r.code !== 0) throw new Error(`infra-lab ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return JSON.parse(r.stdout) as T;
};

describe('single-server: maintenance means downtime', () => {
  const lab = useLiveLab('single-server');

  test('deploy --strategy recreate: requests fail while the app server is replaced, then version 2 answers', () => {
    const r = json<Report>(lab, ['deploy', '--strategy', 'recreate']);
    expect(r.all.failed).toBeGreaterThan(0);
    expect(r.all.longestMs).toBeGreaterThan(0);
    expect(r.versions!.map((v) => v.version)).toEqual(['1', '2']);
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
  });

  test('restart web: the maintenance restart of nginx is measured as an outage', () => {
    const r = json<Report>(lab, ['restart', 'web']);
    expect(r.all.failed).toBeGreaterThan(0);
    expect(r.verdict!.ok).toBe(true);
  });

  test('rolling and blue-green are refused, with the reason', () => {
    for (const strategy of ['rolling', 'blue-green']) {
      const r = lab.run(['deploy', '--strategy', strategy]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('single-server has only app: during any deploy the site is down');
    }
  });

  test('the app tier cannot scale out: that is the lesson', () => {
    const r = lab.run(['scale', 'app=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('app cannot scale out in single-server');
  });
});

describe('scale-up: scaling out', () => {
  const lab = useLiveLab('scale-up');

  test('load reports throughput, latency and the limit; scale keeps its count across up', () => {
    expect(lab.run(['scale', 'app=3']).code).toBe(0);
    const load = json<{ requests: number; requestsPerSecond: number; latencyMs: { p50: number; p99: number }; limit: string; containers: { role: string }[] }>(lab, [
      'load',
      '--duration',
      '3',
      '--connections',
      '8',
    ]);
    expect(load.requests).toBeGreaterThan(0);
    expect(load.latencyMs.p99).toBeGreaterThanOrEqual(load.latencyMs.p50);
    expect(load.limit).toMatch(/app CPU|host cores|saturated|load generator|none of the CPUs/);
    expect(load.containers.filter((c) => c.role === 'app')).toHaveLength(3);
    expect(lab.run(['scale', 'app=2']).code).toBe(0);
    expect(lab.up().code).toBe(0);
    expect(lab.status().services.find((s) => s.component === 'app')!.containers).toHaveLength(2);
  });
});
