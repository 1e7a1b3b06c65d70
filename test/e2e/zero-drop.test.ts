import { jest } from '@jest/globals';
import { docker, useLiveLab } from '../helpers/live.js';
import { summarize, userProbe, type UserRequest } from '../helpers/user-probe.mjs';

jest.setTimeout(600_000);

/**
 * Zero-drop maintenance in the distributed lab, judged by the stricter of two probes: a user's
 * (from the host through the published port, a request every 20 ms, failed when it takes 1 s)
 * and infra-lab's own (inside the lab, run with --timeout 1000). Each deploy runs three times in
 * a row: a drop that happens one time in three is a drop.
 */
interface Report {
  all: { sent: number; failed: number; byLayer: Record<string, number> };
  versions?: { version: string; firstMs: number }[];
  verdict?: { ok: boolean; contradictions: string[] };
}

const lab = useLiveLab('distributed');
let url: string;
beforeAll(() => {
  url = lab.status().endpoints.http!;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs an infra-lab command that measures (with --timeout 1000) while a user probes the site. */
async function watched(args: string[]): Promise<{ user: UserRequest[]; report: Report }> {
  const probe = userProbe(url, { intervalMs: 20, timeoutMs: 1000 });
  await sleep(1000);
  const r = await lab.runAsync([...args, '--timeout', '1000', '--json']);
  await sleep(1000);
  const user = await probe.stop();
  if (r.code !== 0) throw new Error(`infra-lab ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout.slice(0, 3000)}`);
  return { user, report: JSON.parse(r.stdout) as Report };
}

/** Not one request failed or took 1 s, for the user or for infra-lab's probe. */
function expectNoDrop({ user, report }: { user: UserRequest[]; report: Report }) {
  const seen = summarize(user);
  expect(seen.total).toBeGreaterThan(200);
  // The failures themselves, so that a failing run says what the user saw.
  expect(user.filter((r) => !r.ok).map((r) => `${r.path}: ${r.error ?? `HTTP ${r.status}`} after ${Math.round(r.ms)} ms`)).toEqual([]);
  expect(report.all.sent).toBeGreaterThan(50);
  expect(report.all).toMatchObject({ failed: 0, byLayer: {} });
  expect(report.verdict).toEqual({ ok: true, contradictions: [] });
}

describe.each([1, 2, 3])('distributed, deploy run %i', (run) => {
  test('rolling: no request fails or takes 1 s, and the new version answers afterwards', async () => {
    const version = `rolling-${run}`;
    const measured = await watched(['deploy', '--strategy', 'rolling', '--version', version]);
    expectNoDrop(measured);
    expect(measured.report.versions!.at(-1)!.version).toBe(version);
    expect(measured.user.at(-1)!.version).toBe(version);
  });

  test('blue-green: no request fails or takes 1 s, the new version answers, no twin is left', async () => {
    const version = `blue-green-${run}`;
    const measured = await watched(['deploy', '--strategy', 'blue-green', '--version', version]);
    expectNoDrop(measured);
    expect(measured.user.at(-1)!.version).toBe(version);
    // The twins were helper containers of the lab's project; none is left, running or not.
    expect(docker(['ps', '-aq', '--filter', `label=dev.infra-lab.helper=${lab.projectName}`]).stdout.trim()).toBe('');
  });
});

test('kill and heal of app-1: no request fails or takes 1 s, and app-1 answers again afterwards', async () => {
  const measured = await watched(['experiment', 'distributed', 'kill-one-app', '--flavor', 'debian']);
  expectNoDrop(measured);
  const last = measured.user.slice(-40);
  expect(new Set(last.map((r) => r.instance))).toEqual(new Set(['app-1', 'app-2']));
});
