import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FaultMode, Lab } from '../lab/model.js';
import { MODES_WITHOUT_SETTINGS } from '../faults/modes/index.js';
import { ExitError } from '../errors.js';
import type { Flavor } from '../render/flavors.js';
import type { Sample } from '../measure/sample.js';
import type { RunContext } from '../run/context.js';
import { labStatus, targetLab, type LabStatus } from '../run/labs.js';
import { startProbe, type RunningProbe } from '../run/probe.js';
import { breakComponent, heal } from '../run/faults.js';
import { baseComponent } from '../faults/faults.js';
import { runExperiment } from '../run/experiment.js';
import { readFaults, saveReport } from '../project/project.js';
import { TIMINGS } from '../run/timings.js';
import { topologyOf } from '../report/topology.js';
import { diagramDot, dotToSvg } from '../report/diagram.js';
import { writeExperimentHtml } from '../report/html-report.js';
import { dashboardPage } from './dashboard-page.js';

/**
 * The live dashboard: a small HTTP server on 127.0.0.1 that serves one page, streams the probe's
 * requests and the components' states as server-sent events, and breaks, heals and runs scenarios
 * with the same run/ functions as the command line. Every request must carry the token printed
 * with the URL: the page can kill containers, and other local users or web pages must not.
 */

export interface DashboardOptions {
  lab?: string;
  port?: number;
  /** How often the components' states are read from the engine. */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** What the page is told about each component. */
export interface ComponentState {
  component: string;
  /** up: ready; starting; unhealthy; down: not running (exited, paused, missing). */
  state: 'up' | 'starting' | 'unhealthy' | 'down';
  summary: string;
  broken?: FaultMode;
}

export function componentStates(status: LabStatus): ComponentState[] {
  const faults = readFaults(status.projectDir);
  return status.services.map((s) => {
    const running = s.containers.filter((c) => c.state === 'running');
    const state = s.ready ? 'up' : s.summary === 'unhealthy' ? 'unhealthy' : running.length > 0 && s.summary === 'starting' ? 'starting' : 'down';
    const fault = faults.find((f) => baseComponent(f.component) === s.component);
    return { component: s.component, state, summary: s.summary, ...(fault ? { broken: fault.mode } : {}) };
  });
}

export async function startDashboard(ctx: RunContext, options: DashboardOptions): Promise<Dashboard> {
  await ctx.runtime.ping();
  const first = await targetLab(ctx, options.lab);
  if (first.state === 'down') throw new ExitError(`${first.lab} is not running; start it with infra-lab up ${first.lab}`, 2);
  const projectDir = first.projectDir;
  // The project is opened once: every later status reads only the engine, not the lab file again.
  const project = first.project;
  const lab: Lab = project.lab;
  const token = randomBytes(24).toString('base64url');
  const svg = await dotToSvg(diagramDot(topologyOf(lab)));
  const clients = new Set<http.ServerResponse>();
  const send = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of clients) c.write(frame);
  };
  const recent: Sample[] = [];
  let notice: { level: 'ok' | 'error'; text: string } = { level: 'ok', text: '' };
  let states: ComponentState[] = componentStates(first);
  let busy = false;

  const probe: RunningProbe = await startProbe(ctx, lab, first, {
      intervalMs: 100,
      timeoutMs: 2000,
      onSample: (s) => {
        recent.push(s);
        if (recent.length > 1200) recent.splice(0, recent.length - 1200);
        send('sample', s);
      },
    });

  // The engine is the truth about each component; read it often, and say so when it or the lab goes away.
  const poll = async () => {
    let next: typeof notice;
    try {
      await ctx.runtime.ping();
      const status = await labStatus(ctx, project);
      states = componentStates(status);
      send('state', states);
      next = status.state === 'down' ? { level: 'error', text: `the lab ${lab.name} is gone (no container left); start it again with infra-lab up ${lab.name}` } : { level: 'ok', text: '' };
    } catch (err) {
      next = { level: 'error', text: `the container engine does not answer: ${(err as Error).message}` };
    }
    if (next.text !== notice.text) send('notice', next);
    notice = next;
  };
  const poller = setInterval(() => void poll(), options.pollMs ?? 500);
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 15_000);

  const expected = Buffer.from(token);
  const authorized = (url: URL, req: http.IncomingMessage) => {
    const given = Buffer.from(url.searchParams.get('token') ?? String(req.headers['x-infra-lab-token'] ?? ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (!authorized(url, req)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('forbidden: open the URL infra-lab ui printed, with its token\n');
      return;
    }
    try {
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'" });
        res.end(dashboardPage(lab, token, svg));
      } else if (req.method === 'GET' && url.pathname === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(`event: state\ndata: ${JSON.stringify(states)}\n\n`);
        res.write(`event: notice\ndata: ${JSON.stringify(notice)}\n\n`);
        res.write(`event: history\ndata: ${JSON.stringify(recent)}\n\n`);
        clients.add(res);
        req.on('close', () => clients.delete(res));
      } else if (req.method === 'POST' && url.pathname === '/api/break') {
        const { component, mode } = (await body(req)) as { component: string; mode: FaultMode };
        if (!MODES_WITHOUT_SETTINGS.includes(mode)) return reply(400, { error: `mode must be one of ${MODES_WITHOUT_SETTINGS.join(', ')}` });
        const fault = await breakComponent(ctx, await labStatus(ctx, project), component, mode);
        void poll();
        reply(200, { broke: fault.component, mode: fault.mode });
      } else if (req.method === 'POST' && url.pathname === '/api/heal') {
        const { component } = (await body(req)) as { component: string };
        const result = await heal(ctx, await labStatus(ctx, project), [component], { timeoutMs: 120_000 });
        void poll();
        reply(200, result);
      } else if (req.method === 'POST' && url.pathname === '/api/scenario') {
        const { name } = (await body(req)) as { name: string };
        if (busy) return reply(409, { error: 'a scenario is running; wait for its result' });
        busy = true;
        try {
          const status = await labStatus(ctx, project);
          const report = await runExperiment(
            ctx,
            lab.name,
            name,
            { flavor: status.flavor as Flavor, holdMs: TIMINGS.holdMs, intervalMs: TIMINGS.probeIntervalMs, timeoutMs: TIMINGS.probeTimeoutMs },
            (e) => send('progress', { scenario: name, text: e.text }),
          );
          const files = saveReport(projectDir, report.scenario, report.startedAt, report, `<!-- Experiment report written by infra-lab ui. -->\n# ${lab.name} / ${name}\n\nThe full report is the HTML file of the same name.\n`);
          const html = await writeExperimentHtml(files.json, report, lab);
          reply(200, { scenario: name, verdict: report.verdict, all: { sent: report.all.sent, failed: report.all.failed, availability: report.all.availability, longestMs: report.all.longestMs }, report: `/reports/${path.basename(html)}` });
        } finally {
          busy = false;
        }
      } else if (req.method === 'GET' && /^\/reports\/[\w.-]+\.html$/.test(url.pathname)) {
        const file = path.join(projectDir, 'reports', path.basename(url.pathname));
        if (!fs.existsSync(file)) return reply(404, { error: 'no such report' });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(fs.readFileSync(file));
      } else reply(404, { error: 'not found' });
    } catch (err) {
      reply(err instanceof ExitError && err.code === 2 ? 400 : 500, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      clearInterval(poller);
      clearInterval(keepAlive);
      for (const c of clients) c.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await probe.stop().catch(() => undefined);
    },
  };
}

async function body(req: http.IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 10_000) throw new ExitError('request body too large', 2);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ExitError('the request body is not JSON', 2);
  }
}
