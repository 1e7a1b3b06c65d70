import { expect } from '@jest/globals';
import type { LiveLab } from './live.js';
import type { ExperimentReport } from '../../src/measure/report.js';
import { summarize, userProbe, type UserRequest } from './user-probe.mjs';

/**
 * Zero-drop checks, judged by the stricter of two probes: a user's (from the host through the
 * published port, a request every 20 ms, failed when it takes 1 s) and infra-lab's own (inside
 * the lab, run with --timeout 1000).
 */
export interface Report {
  all: { sent: number; failed: number; byLayer: Record<string, number> };
  versions?: { version: string; firstMs: number }[];
  verdict?: { ok: boolean; contradictions: string[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs an infra-lab command that measures (with --timeout 1000) while a user probes the site. */
export async function watched(lab: LiveLab, url: string, args: string[]): Promise<{ user: UserRequest[]; report: Report }> {
  const probe = userProbe(url, { intervalMs: 20, timeoutMs: 1000 });
  await sleep(1000);
  const r = await lab.runAsync([...args, '--timeout', '1000', '--json']);
  await sleep(1000);
  const user = await probe.stop();
  if (r.code !== 0) throw new Error(`infra-lab ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${failureSummary(r.stdout, user)}`);
  return { user, report: JSON.parse(r.stdout) as Report };
}

/** What a failed run saw, short enough to read in a CI log: the verdict, the counts and each failed request. */
function failureSummary(stdout: string, user: UserRequest[]): string {
  const userFailed = user.filter((r) => !r.ok).map((r) => `user ${r.path}: ${r.error ?? `HTTP ${r.status}`} after ${Math.round(r.ms)} ms`);
  let report: Partial<ExperimentReport>;
  try {
    report = JSON.parse(stdout);
  } catch {
    return [stdout.slice(0, 3000), ...userFailed].join('\n');
  }
  const faultAt = report.faultAt ?? 0;
  const probeFailed = (report.samples ?? [])
    .filter((s) => !s.ok)
    .map((s) => `probe ${s.kind} at ${Math.round(s.t - faultAt)} ms after the fault: ${s.layer} ${s.status ?? ''} ${s.detail ?? ''} after ${Math.round(s.ms)} ms`);
  const events = (report.events ?? []).filter((e) => !e.action.startsWith('exec_')).map((e) => `${e.ms} ms: ${e.service} ${e.action}`);
  return [JSON.stringify(report.verdict), ...events, ...probeFailed, ...userFailed].join('\n');
}

/** Not one request failed or took 1 s, for the user or for infra-lab's probe. */
export function expectNoDrop({ user, report }: { user: UserRequest[]; report: Report }) {
  const seen = summarize(user);
  expect(seen.total).toBeGreaterThan(200);
  // The failures themselves, so that a failing run says what the user saw.
  expect(user.filter((r) => !r.ok).map((r) => `${r.path}: ${r.error ?? `HTTP ${r.status}`} after ${Math.round(r.ms)} ms`)).toEqual([]);
  expect(report.all.sent).toBeGreaterThan(50);
  expect(report.all).toMatchObject({ failed: 0, byLayer: {} });
  expect(report.verdict).toEqual({ ok: true, contradictions: [] });
}

