import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DockerodeRuntime } from '../../src/engine/dockerode-runtime.js';
import { PODMAN_BRIDGED_ACCEPT, PODMAN_FORWARD_DROP_MESSAGE } from '../../src/engine/podman-firewall.js';
import { httpGet } from '../../src/measure/http.js';
import { macFor } from '../../src/render/addresses.js';
import { runCli } from '../helpers/cli.js';
import { LiveLab, leftoversOf, podman, type StatusJson } from '../helpers/live.js';
import { PODMAN_ENV, PODMAN_SOCKET, copyImagesToPodman, requirePodman, startHealthchecks } from '../helpers/podman.js';

/**
 * single-server on rootful Podman 4 through its Docker-compatible API, with Compose v2, as a user
 * runs it: DOCKER_HOST at Podman's socket. Set-up (scripts/setup-debian-host.sh): Podman, its socket,
 * and the firewall rule for its internal networks beside Docker. There is no systemd here, so Podman
 * runs no healthchecks by itself: from the test that shows it on, scripts/podman-healthchecks.sh runs
 * them, standing in for systemd's timers.
 */
jest.setTimeout(600_000);

const lab = new LiveLab('single-server', PODMAN_ENV);
let healthchecks: { stop(): Promise<void> } | undefined;
let status: StatusJson;

beforeAll(() => {
  requirePodman();
  copyImagesToPodman();
});

afterAll(async () => {
  await healthchecks?.stop();
  // Whatever a failed test left: the lab goes, with its volume.
  lab.run(['down', lab.name, '--volumes']);
  fs.rmSync(lab.home, { recursive: true, force: true });
});

const up = () => lab.run(['up', lab.name, '--flavor', 'debian']);
const page = (timeoutMs = 2000) => httpGet(status.endpoints.http!, { host: 'www.foobar.com', timeoutMs });
const dbContainer = () => status.services.find((s) => s.component === 'db')!.containers[0].name;
/** The db's address and MAC on its network, as Podman has them. */
const dbAttachment = () => podman(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.MacAddress}}{{end}}', dbContainer()]).stdout.trim();
const lastLine = (stderr: string) => stderr.trim().split('\n').pop()!;

test("an image imported through Podman's API is named by its tag (Podman ignores tag= and names it :latest)", async () => {
  const runtime = new DockerodeRuntime({ address: PODMAN_SOCKET, source: 'Podman' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-import-'));
  const tag = `infra-lab-test/import-${process.pid}:tagged`;
  try {
    fs.writeFileSync(path.join(dir, 'file'), 'imported\n');
    const tar = spawnSync('tar', ['-C', dir, '-c', '.']);
    await runtime.importImage(Readable.from(tar.stdout), tag, { 'dev.infra-lab.test': 'import' });
    expect(await runtime.imageLabels(tag)).toMatchObject({ 'dev.infra-lab.test': 'import' });
    expect(podman(['image', 'exists', tag.replace(/:tagged$/, ':latest')]).code).toBe(1);
  } finally {
    podman(['rmi', '-f', tag]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Compose v1 is refused on Podman before anything starts: exit 3, one line asking for v2', () => {
  const r = runCli(['up', lab.name, '--flavor', 'debian'], { env: { ...PODMAN_ENV, INFRA_LAB_COMPOSE: 'v1', INFRA_LAB_HOME: lab.home } });
  expect(r.code).toBe(3);
  expect(r.stderr.trim()).toMatch(/^infra-lab: docker-compose 1\.\d+\.\d+ \(Compose v1\) cannot run labs on Podman 4\.\d+\.\d+: its second up fails \("IPAM option driver has changed"\); install Compose v2 \(docker compose\) and set INFRA_LAB_COMPOSE=v2$/);
  expect(leftoversOf(lab.projectName, podman)).toEqual([]);
});

test("beside Docker, whose FORWARD policy drops the traffic of Podman's internal networks, up says so and how to let it through: exit 3", () => {
  // The set-up added the rule; without it, up must refuse. It is put back whatever happens.
  const rule = ['DOCKER-USER', ...PODMAN_BRIDGED_ACCEPT];
  expect(spawnSync('iptables', ['-C', ...rule]).status).toBe(0);
  expect(spawnSync('iptables', ['-D', ...rule]).status).toBe(0);
  try {
    const r = up();
    expect(r.code).toBe(3);
    expect(lastLine(r.stderr)).toBe(`infra-lab: ${PODMAN_FORWARD_DROP_MESSAGE}`);
    expect(leftoversOf(lab.projectName, podman)).toEqual([]);
  } finally {
    spawnSync('iptables', ['-I', ...rule]);
  }
});

test('without systemd Podman runs no healthchecks: up stops after 30 s with exit 3 and one line that says why', () => {
  const start = Date.now();
  const r = up();
  expect(r.code).toBe(3);
  expect(lastLine(r.stderr)).toMatch(/^infra-lab: the engine never ran the healthchecks of dns, db in 30 s, so compose waits forever: Podman 4 runs healthchecks from systemd timers, and there is no systemd here; .*podman-healthchecks\.sh/);
  expect(Date.now() - start).toBeLessThan(90_000);
});

test("with the healthchecks run for systemd, up starts the lab (the half-started one of the last test): the page answers through nginx, the app and MariaDB", async () => {
  healthchecks = startHealthchecks();
  const r = up();
  expect(r.stderr).not.toMatch(/infra-lab: /);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('single-server is up (started)');
  expect(r.stdout).toMatch(/www\.foobar\.com is a CNAME for foobar\.com, which has the address 10\.\d+\.\d+\.\d+/);
  expect(r.stdout).toContain('the page answered 200, from app server app');
  status = lab.status();
  expect(status.services.map((s) => [s.component, s.ready])).toEqual([['dns', true], ['web', true], ['app', true], ['db', true]]);
  const first = JSON.parse((await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' })).body);
  const second = JSON.parse((await httpGet(`${status.endpoints.http}api/visits`, { host: 'www.foobar.com' })).body);
  expect(second.visits).toBe(first.visits + 1);
  // The address of the lab's plan, and the MAC that goes with it: netavark would pick a new MAC at each start.
  const [address, mac] = dbAttachment().split(' ');
  expect(mac).toBe(macFor(address));
});

test("experiment kill-db: users see the outage end within seconds of the heal (no stale ARP entry adds 20 s), as the lab expects", () => {
  const r = lab.run(['experiment', lab.name, 'kill-db', '--json']);
  const report = JSON.parse(r.stdout) as {
    all: { longestMs: number; byLayer: Record<string, number> };
    timeToRecoverMs: number;
    engineOutageMs?: number;
    healAt: number;
    faultAt: number;
    events: { action: string; service: string }[];
    verdict: { ok: boolean; contradictions: string[] };
  };
  expect(report.verdict).toEqual({ ok: true, contradictions: [] });
  expect(r.code).toBe(0);
  expect(Object.keys(report.all.byLayer)).toEqual(['database']);
  // Down at least while it was held down (the kill may take a second to act), and back within 15 s of the
  // heal: the database starts in about 5 s. With a new MAC for the database, users saw 37 s more.
  const healedAfter = report.healAt - report.faultAt;
  expect(report.all.longestMs).toBeGreaterThan(healedAfter - 2000);
  expect(report.timeToRecoverMs - healedAfter).toBeLessThan(15_000);
  // Podman reports the health on every check: mapped to Docker's form, and only the changes kept, a
  // start beginning anew. Whether 'healthy' comes before the measurement ends depends on when the
  // next check runs; when it does, the engine's view is within seconds of the users'.
  const db = report.events.filter((e) => e.service === 'db' && e.action !== 'exec_died').map((e) => e.action);
  expect(db).toEqual(expect.arrayContaining(['kill', 'start']));
  expect(db.slice(db.indexOf('start')).some((a) => a.startsWith('health_status: '))).toBe(true);
  const repeated = db.filter((a, i) => a.startsWith('health_status') && a === db.slice(db.lastIndexOf('start', i) + 1, i).filter((x) => x.startsWith('health_status')).pop());
  expect(repeated).toEqual([]);
  if (report.engineOutageMs !== undefined) expect(Math.abs(report.all.longestMs - report.engineOutageMs)).toBeLessThan(8000);
});

describe.each(['kill', 'stop', 'pause', 'disconnect'])('break db --mode %s, then heal', (mode) => {
  test('users see the site fail; heal brings it back and says ready only when the page answers', async () => {
    const before = dbAttachment();
    const broken = lab.run(['break', 'db', '--mode', mode, '--lab', lab.name]);
    expect(broken.stderr).not.toMatch(/infra-lab: /);
    expect(broken.code).toBe(0);
    // The app answers for itself (5xx), or not at all while it waits on a frozen or cut-off database.
    let failing = false;
    for (let i = 0; i < 20 && !failing; i++) failing = await page().then((p) => p.status !== 200, () => true);
    expect(failing).toBe(true);
    const healed = lab.run(['heal', 'db', '--lab', lab.name]);
    expect(healed.stderr).not.toMatch(/infra-lab: /);
    expect(healed.code).toBe(0);
    expect(healed.stdout).toMatch(new RegExp(`^Healed db \\(${mode}\\); ready again after \\d+\\.\\d s\\.`, 'm'));
    // Ready means that users get through, at once.
    expect((await page()).status).toBe(200);
    // Back at the planned address, with the same MAC: what clients have cached stays right.
    expect(dbAttachment()).toBe(before);
  });
});

test('down --volumes leaves nothing of the lab in Podman', () => {
  const r = lab.run(['down', lab.name, '--volumes']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Deleted the volumes ${lab.projectName}_db-data`);
  expect(leftoversOf(lab.projectName, podman)).toEqual([]);
});
