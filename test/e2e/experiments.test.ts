import { jest } from '@jest/globals';
import fs from 'node:fs';
import { useLiveLab, type LiveLab } from '../helpers/live.js';

jest.setTimeout(600_000);

interface Report {
  all: { sent: number; failed: number; unknown: number; certainlyFailed: number; byLayer: Record<string, number>; longestMs: number };
  write: { failed: number; unknown: number };
  read: { failed: number };
  faultAt: number;
  healAt?: number;
  timeToDetectMs?: number;
  data?: { lastAcknowledged: number; firstAfter?: number; continued: boolean; skipped?: number; unknownWrites: number; skipsExplained?: boolean };
  events: { ms: number; action: string; service: string }[];
  readsFrom?: { instance: string; from: string; ms: number }[];
  samples?: { ok: boolean; instance?: string; status?: number; layer?: string }[];
  verdict: { ok: boolean; contradictions: string[] };
  files: { json: string; markdown: string };
}

function experiment(lab: LiveLab, scenario: string): Report {
  const r = lab.run(['experiment', lab.name, scenario, '--flavor', 'debian', '--json']);
  if (r.code !== 0) {
    // The verdict and the summary say why; the whole report would be cut off.
    const report = (() => {
      try {
        const j = JSON.parse(r.stdout) as Report;
        return JSON.stringify({ verdict: j.verdict, all: { ...j.all, outages: undefined }, events: j.events.filter((e) => !e.action.startsWith('exec_')) });
      } catch {
        return r.stdout.slice(0, 3000);
      }
    })();
    throw new Error(`experiment ${lab.name} ${scenario} exited ${r.code}:\n${r.stderr}\n${report}`);
  }
  return JSON.parse(r.stdout) as Report;
}

describe('single-server', () => {
  const lab = useLiveLab('single-server', { start: false });

  test('kill-db: every request fails while db is down, each as a database error; the outage lasts at least as long as db was down; no data lost', () => {
    const r = experiment(lab, 'kill-db');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
    expect(r.all.failed).toBeGreaterThan(0);
    expect(Object.keys(r.all.byLayer)).toEqual(['database']);
    const killed = r.events.find((e) => e.service === 'db' && e.action === 'die')!;
    const started = r.events.find((e) => e.service === 'db' && e.action === 'start' && e.ms > killed.ms)!;
    expect(r.all.longestMs).toBeGreaterThanOrEqual(started.ms - killed.ms);
    expect(r.data).toMatchObject({ continued: true });
    // A write cut off by the kill may have been committed: every skipped value must be such a write.
    expect(r.data!.skipsExplained).toBe(true);
    expect(fs.readFileSync(r.files.markdown, 'utf8')).toContain('# single-server / kill-db');
  });

  test('kill-web: total outage, classified as connection failures and timeouts', () => {
    const r = experiment(lab, 'kill-web');
    expect(r.verdict.ok).toBe(true);
    expect(Object.keys(r.all.byLayer).every((l) => l === 'connect' || l === 'timeout')).toBe(true);
  });

  test('pause-db: failures are split into certain and unknown outcome, and the writes of unknown outcome explain every value the counter skipped', () => {
    const r = experiment(lab, 'pause-db');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
    expect(r.all.certainlyFailed + r.all.unknown).toBe(r.all.failed);
    expect(r.data).toMatchObject({ continued: true, skipsExplained: true });
    expect(r.data!.skipped).toBeLessThanOrEqual(r.data!.unknownWrites);
    // A write reaches the frozen database only if it is the first request after the pause to get a
    // pooled connection (the app then fails fast until the database answers): most runs have one,
    // not every run (CI saw a run with none). When there is one, the report explains it.
    if (r.write.unknown > 0) {
      const markdown = fs.readFileSync(r.files.markdown, 'utf8');
      expect(markdown).toContain('| of which unknown outcome |');
      expect(markdown).toContain('a client that retries such a write may apply it twice');
    }
  });

  test('kill-dns: total outage, the failures DNS failures (a slow lookup at the edges may use up the request\'s time)', () => {
    const r = experiment(lab, 'kill-dns');
    expect(r.verdict.ok).toBe(true);
    expect(r.all.byLayer.dns).toBeGreaterThan(r.all.failed * 0.9);
  });

  test('lose-server: web, app and db go away together and nothing brings them back before the heal; only DNS still answers', () => {
    const r = experiment(lab, 'lose-server');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
    const died = r.events.filter((e) => e.action === 'die').map((e) => e.service);
    expect(new Set(died)).toEqual(new Set(['web', 'app', 'db']));
    // No restart before infra-lab healed it: the machine that would restart them is gone.
    const firstStart = Math.min(...r.events.filter((e) => e.action === 'start').map((e) => e.ms));
    expect(firstStart).toBeGreaterThanOrEqual(r.healAt! - r.faultAt);
  });

  test('lossy-network: 30% of web\'s packets lost costs time, and some requests', () => {
    const r = experiment(lab, 'lossy-network');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
  });

  test('an unknown scenario lists the lab\'s scenarios', () => {
    const r = lab.run(['experiment', 'single-server', 'kill-everything', '--flavor', 'debian']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the lab single-server has no scenario 'kill-everything'; its scenarios: kill-db, kill-web");
  });
});

describe('distributed', () => {
  const lab = useLiveLab('distributed', { start: false });

  test('kill-one-app: no request fails', () => {
    const r = experiment(lab, 'kill-one-app');
    expect(r.all.sent).toBeGreaterThan(100);
    expect(r.all.failed).toBe(0);
    expect(r.verdict.ok).toBe(true);
  });

  test('kill-lb: total outage, the load balancer is the new single point of failure', () => {
    const r = experiment(lab, 'kill-lb');
    expect(r.verdict.ok).toBe(true);
    expect(r.write.failed).toBeGreaterThan(0);
    expect(r.read.failed).toBeGreaterThan(0);
  });

  test('kill-primary: writes fail as database errors, reads are still served from the replica', () => {
    const r = experiment(lab, 'kill-primary');
    expect(r.verdict.ok).toBe(true);
    expect(r.write.failed).toBeGreaterThan(0);
    expect(r.read.failed).toBe(0);
    expect(Object.keys(r.all.byLayer)).toEqual(['database']);
  });

  test('lose-server-1: the site stays up on server-2, writes fail with the primary, reads go on', () => {
    const r = experiment(lab, 'lose-server-1');
    expect(r.verdict.ok).toBe(true);
    expect(r.write.failed).toBeGreaterThan(0);
    expect(r.read.failed).toBe(0);
  });

  /** The databases an app server read from, in order, each with when it began (ms from the fault). */
  const readsOf = (r: Report, instance: string) => (r.readsFrom ?? []).filter((m) => m.instance === instance);
  /** Reads moved to the primary after the fault, and were back on the replica (last) after the heal. */
  const movedAndBack = (r: Report, instance: string) => {
    const reads = readsOf(r, instance);
    expect(reads.map((m) => m.from).slice(0, 2)).toEqual(['db-replica', 'db-primary']);
    expect(reads[1].ms).toBeGreaterThanOrEqual(0);
    expect(reads.at(-1)!.from).toBe('db-replica');
    expect(reads.at(-1)!.ms).toBeGreaterThanOrEqual(r.healAt! - r.faultAt);
  };

  test('partition-app-1-replica: nothing fails; app-1 reads from the primary until the heal, app-2 from the replica throughout', () => {
    const r = experiment(lab, 'partition-app-1-replica');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
    expect(r.all.failed).toBe(0);
    movedAndBack(r, 'app-1');
    expect(readsOf(r, 'app-2').map((m) => m.from)).toEqual(['db-replica']);
  });

  test('kill-replica: nothing fails; both app servers read from the primary while the replica is gone, and from the replica again after the heal', () => {
    const r = experiment(lab, 'kill-replica');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
    expect(r.all.failed).toBe(0);
    movedAndBack(r, 'app-1');
    movedAndBack(r, 'app-2');
  });

  test('lose-server-2: web-2, app-2 and the replica go away together and no request fails; app-1 reads from the primary until the replica is back', () => {
    const r = experiment(lab, 'lose-server-2');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
    expect(r.all.failed).toBe(0);
    const died = r.events.filter((e) => e.action === 'die' && e.ms >= 0).map((e) => e.service);
    expect(new Set(died)).toEqual(new Set(['web-2', 'app-2', 'db-replica']));
    movedAndBack(r, 'app-1');
  });

  test('buggy-app-1: app-1 answers 500 to some of its requests, which reach users; app-2 fails none; after the heal nothing is left in app-1', () => {
    const r = experiment(lab, 'buggy-app-1');
    expect(r.verdict).toEqual({ ok: true, contradictions: [] });
    const failed = r.samples!.filter((s) => !s.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((s) => `${s.instance} ${s.status}`))).toEqual(new Set(['app-1 500']));
    expect(r.samples!.filter((s) => s.ok && s.instance === 'app-2').length).toBeGreaterThan(0);
    expect(lab.run(['exec', 'app-1', '--', 'test', '-e', '/tmp/infra-lab-misbehave.json']).code).not.toBe(0);
  });
});
