import fs from 'node:fs';
import path from 'node:path';
import { jest } from '@jest/globals';
import { useLiveLab } from '../helpers/live.js';

jest.setTimeout(600_000);

/**
 * The tuning knobs change what a failure costs, measured on live containers (debian flavor): one lab
 * file, rewritten with other settings between experiments (each experiment brings the lab up to date
 * first, recreating only what changed). A load balancer over two web servers, each with its own app
 * server first and the other as its fallback.
 *
 * The load balancer runs with retries: 0 throughout: its retries (on connection failures and on a
 * web server's 502/504) would otherwise hide both effects measured here.
 * - health_check: killing web-1 costs the requests the load balancer sends it until its checks take
 *   it out, about interval x fall: 500 ms x 2 (the default) against 3000 ms x 3.
 * - proxy.retry: killing app-1 costs nothing while web-1 tries app-2 instead; with retry false, each
 *   request that finds app-1 dead fails (the load balancer's checks of web-1 go through to app-2 and
 *   keep passing, which is why this is a web server's setting to tune, not the load balancer's).
 */
const lab = useLiveLab('knobs-live', { start: false });
const file = () => path.join(lab.home, 'knobs-live.yaml');

interface Knobs {
  lb: string;
  web: string;
}

const labText = (k: Knobs) => `name: knobs-live
title: Tuning knobs, measured
stage: 2
description: A load balancer over two web servers; each web server prefers its own app server and falls back to the other.
domain: foobar.com
networks:
  - name: public
  - name: private
    internal: true
components:
  - { name: dns, role: dns, networks: [public] }
  - { name: lb, role: lb, networks: [public, private], upstreams: [web-1, web-2]${k.lb} }
  - { name: web-1, role: web, networks: [private], upstreams: [app-1, app-2]${k.web} }
  - { name: web-2, role: web, networks: [private], upstreams: [app-2, app-1]${k.web} }
  - { name: app-1, role: app, networks: [private], database: { write: db, read: db } }
  - { name: app-2, role: app, networks: [private], database: { write: db, read: db } }
  - { name: db, role: db, networks: [private] }
dns:
  records:
    - { name: "@", type: A, component: lb }
    - { name: www, type: CNAME, target: "@" }
entrypoints:
  - { name: http, component: lb, port: 80, protocol: http }
scenarios:
  - name: kill-app-1
    title: An app server dies
    break: { component: app-1, mode: kill }
    expect: { says: Whether requests fail depends on the web servers' retry setting., failures: some }
  - name: kill-web-1
    title: A web server dies
    break: { component: web-1, mode: kill }
    expect: { says: Requests sent to web-1 fail until the load balancer's health checks take it out., failures: some }
`;

interface Report {
  all: { sent: number; failed: number; byLayer: Record<string, number> };
  verdict: { ok: boolean; contradictions: string[] };
}

/**
 * Writes the lab file with these knobs, runs one experiment, and returns its report (exit 1 is a
 * verdict, not an error: 0 failures contradicts "some"). A web server that does not retry loses about
 * one request each time its dead app server's fail_timeout (2 s) runs out, so app-1 stays dead 10 s.
 */
function experiment(knobs: Knobs, scenario: string): Report {
  fs.writeFileSync(file(), labText(knobs));
  const hold = scenario === 'kill-app-1' ? ['--hold', '10'] : [];
  const r = lab.run(['experiment', file(), scenario, '--flavor', 'debian', '--json', ...hold]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`experiment ${scenario} exited ${r.code}:\n${r.stderr}\n${r.stdout.slice(0, 3000)}`);
  const report = JSON.parse(r.stdout) as Report;
  // The figures, for the record of a run (CI's log).
  const set = (k: string) => k.replace(/^, /, '') || 'defaults';
  process.stderr.write(`knobs: ${scenario}, lb ${set(knobs.lb)}, web ${set(knobs.web)}: ${report.all.failed} of ${report.all.sent} failed ${JSON.stringify(report.all.byLayer)}\n`);
  return report;
}

const NO_LB_RETRIES = { lb: ', retries: 0', web: '' };
const failed: Record<string, number> = {};

test('with the load balancer\'s retries off, an app server dies while the web servers retry on the other one', () => {
  const report = experiment(NO_LB_RETRIES, 'kill-app-1');
  expect(report.all.sent).toBeGreaterThan(100);
  // The lesson's figure is 0; only the comparison with retry off below is asserted.
  failed.retryOn = report.all.failed;
});

test('health checks at the default (500 ms, fall 2): killing web-1 costs the requests sent to it before it is taken out', () => {
  const report = experiment(NO_LB_RETRIES, 'kill-web-1');
  failed.fastCheck = report.all.failed;
  expect(failed.fastCheck).toBeGreaterThan(0);
});

test('slower health checks (3000 ms, fall 3) keep sending requests to the dead web server longer: more fail', () => {
  const report = experiment({ lb: ', retries: 0, health_check: { interval_ms: 3000, fall: 3 }', web: '' }, 'kill-web-1');
  failed.slowCheck = report.all.failed;
  expect(failed.slowCheck).toBeGreaterThan(failed.fastCheck);
});

test('web servers that do not retry (proxy.retry false) lose requests when their own app server dies, where retrying ones lost none', () => {
  const report = experiment({ lb: ', retries: 0', web: ', proxy: { retry: false }' }, 'kill-app-1');
  failed.retryOff = report.all.failed;
  expect(failed.retryOff).toBeGreaterThan(failed.retryOn);
  // Each a 502 or 504 of web-1, passed on by the load balancer.
  expect(Object.keys(report.all.byLayer)).toEqual(['http']);
});
