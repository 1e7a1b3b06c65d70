import { resolveLab } from '../../src/lab/load.js';
import { buildReport } from '../../src/measure/report.js';
import { experimentHtml, loadHtml, marksOf } from '../../src/report/html-report.js';
import { timelineChart } from '../../src/report/charts.js';
import { escapeHtml } from '../../src/report/escape.js';
import type { Sample } from '../../src/measure/sample.js';
import type { EngineEvent } from '../../src/engine/runtime.js';

const lab = resolveLab('single-server');
const T0 = 1_700_000_000_000;
/** 50 ms apart from T0 for 10 s; the database fails from 3 s to 7 s. */
const samples: Sample[] = Array.from({ length: 200 }, (_, i) => {
  const t = T0 + i * 50;
  const down = t >= T0 + 3000 && t < T0 + 7000;
  return { seq: i, kind: i % 2 ? 'read' : 'write', t, ms: down ? 3 : 8 + (i % 5), ok: !down, layer: down ? 'database' : undefined };
});
const event = (ms: number, action: string, service = 'db'): EngineEvent => ({ time: T0 + ms, action, service, container: `x-${service}-1`, attributes: {} });
const killDbReport = () =>
  buildReport({
    lab,
    scenario: lab.scenarios.find((s) => s.name === 'kill-db')!,
    options: { flavor: 'debian', intervalMs: 50 },
    samples,
    events: [event(3000, 'kill'), event(3010, 'die'), event(6000, 'start'), event(6900, 'health_status: healthy'), event(4000, 'exec_start: sh', 'web')],
    startedAt: T0,
    faultAt: T0 + 3000,
    healAt: T0 + 6000,
    endedAt: T0 + 10_000,
  });

test('the experiment page: verdict, table, one tick per request, the outage shaded with its length, engine events, questions', () => {
  const r = killDbReport();
  const html = experimentHtml(r, lab, '<?xml version="1.0"?><svg id="diagram"></svg>');
  expect(html).toMatch(/^<!DOCTYPE html>/);
  expect(html).toContain('Verdict: as expected');
  expect(html.match(/class="sample /g)).toHaveLength(200);
  expect(html.match(/class="sample failed layer-database"/g)).toHaveLength(80);
  expect(html).toContain(`outage ${(r.all.longestMs / 1000).toFixed(1)} s`);
  for (const e of ['db kill', 'db die', 'db start', 'db healthy']) expect(html).toContain(e);
  expect(html).not.toContain('exec_start');
  for (const q of lab.questions) expect(html).toContain(escapeHtml(q));
  expect(html).toContain('<svg id="diagram">');
  // Self-contained: nothing is fetched (the SVG namespace is a name, not a request).
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
  expect(html).not.toMatch(/<(script|link|img|iframe)\b/);
});

test('what the scenario did is marked on the diagram', () => {
  expect(marksOf(killDbReport(), lab)).toEqual({ db: { state: 'broken', note: 'BROKEN: kill' } });
  expect(marksOf({ action: { kind: 'restart', component: 'web' } }, lab)).toEqual({ web: { state: 'broken', note: 'RESTARTED' } });
  expect(marksOf({ action: { kind: 'deploy', strategy: 'recreate' } }, lab)).toEqual({});
  const server = { state: 'broken', note: 'BROKEN: server-1 kill' };
  expect(marksOf({ action: { kind: 'break-server', server: 'server-1', mode: 'kill' } }, lab)).toEqual({ web: server, app: server, db: server });
});

test('event labels close in time go on separate rows', () => {
  const svg = timelineChart({ samples: [], zero: 0, from: 0, to: 10_000, outages: [], marks: [], events: [{ ms: 1000, text: 'db kill' }, { ms: 1010, text: 'db die' }] });
  const ys = [...svg.matchAll(/class="event-label"/g)].map((m) => svg.slice(0, m.index).match(/y="(\d+)"[^>]*$/)![1]);
  expect(new Set(ys).size).toBe(2);
});

test('the load page charts requests per second and latency', () => {
  const html = loadHtml(
    {
      lab: 'single-server', path: '/', connections: 16, startedAt: T0, requests: 300, durationS: 3, requestsPerSecond: 100,
      latencyMs: { p50: 10, p90: 20, p99: 30, max: 40 }, errors: { byStatus: {}, timeouts: 0, connection: 0 }, generatorCores: 0.2, containers: [], hostCores: 2, limit: 'none',
      perSecond: [{ second: 1, responses: 90, p50Ms: 9, maxMs: 30 }, { second: 2, responses: 110, p50Ms: 11, maxMs: 40 }, { second: 3, responses: 100, p50Ms: 10, maxMs: 35 }],
    },
    lab,
    '<svg></svg>',
  );
  expect(html).toContain('Requests per second');
  expect(html.match(/<polyline/g)).toHaveLength(3);
});
