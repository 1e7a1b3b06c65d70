import { jest } from '@jest/globals';
import { useLiveLab } from '../helpers/live.js';

jest.setTimeout(600_000);

/** Scaling out the app tier of scale-up: throughput grows with the replicas, and no request fails meanwhile. */
interface Report {
  all: { sent: number; failed: number };
  throughput?: { before: { replicas: number }; after: { replicas: number }; ratio: number };
  verdict?: { ok: boolean; contradictions: string[] };
}

const lab = useLiveLab('scale-up', { start: false });

test('scale-out: throughput with three app replicas is at least twice that with one; no request fails meanwhile', () => {
  const run = lab.run(['experiment', 'scale-up', 'scale-out', '--flavor', 'debian', '--json']);
  expect(run.stderr).not.toMatch(/infra-lab: /);
  const r = JSON.parse(run.stdout) as Report;
  expect(r.all.failed).toBe(0);
  expect(r.throughput!.before.replicas).toBe(1);
  expect(r.throughput!.after.replicas).toBe(3);
  expect(r.throughput!.ratio).toBeGreaterThanOrEqual(2);
  expect(r.verdict).toEqual({ ok: true, contradictions: [] });
});
