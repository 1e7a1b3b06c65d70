import { jest } from '@jest/globals';
import { httpGet } from '../../src/measure/http.js';
import { LiveLab, leftoversOf, requireDocker, ensureImages, type StatusJson } from '../helpers/live.js';

jest.setTimeout(600_000);

/**
 * The commands that drive compose, under Compose v1 (docker-compose 1.29), which users of older
 * Linux installs have: the rest of the suite runs under v2. Running the whole suite twice would not
 * fit CI's hour on two cores; these are the paths where the two differ (how compose is called, how
 * it names and labels containers and publishes ports, what up of an unchanged project does).
 */
const lab = new LiveLab('single-server', { INFRA_LAB_COMPOSE: 'v1' });

beforeAll(() => {
  requireDocker();
  ensureImages();
});
afterAll(() => expect(lab.destroy()).toEqual([]));

test('up with Compose v1: every service healthy, the page answers, status gives the published ports', async () => {
  const r = lab.run(['up', lab.name, '--flavor', 'debian']);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/docker-compose (version )?1\.29/);
  const status = (JSON.parse(lab.run(['status', lab.name, '--json']).stdout) as StatusJson[])[0];
  expect(status.services.every((s) => s.ready)).toBe(true);
  const page = await httpGet(status.endpoints.http!, { host: 'www.foobar.com' });
  expect(page.status).toBe(200);
  expect(status.endpoints.dns).toMatch(/^127\.0\.0\.1:\d+$/);
});

test('up again changes nothing under v1 either', () => {
  const r = lab.run(['up', lab.name, '--flavor', 'debian']);
  expect(r.code).toBe(0);
  expect(r.stderr + r.stdout).toMatch(/already up and matches its lab file; nothing changed/);
});

test('experiment kill-db under v1: as expected', () => {
  const r = lab.run(['experiment', lab.name, 'kill-db', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).verdict).toEqual({ ok: true, contradictions: [] });
});

test('deploy (recreate) under v1 replaces the app: the next version answers after it', () => {
  const r = lab.run(['deploy', '--lab', lab.name, '--strategy', 'recreate', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).versions.map((v: { version: string }) => v.version)).toEqual(['1', '2']);
});

test('down under v1 leaves nothing but the volume, and --volumes that too', () => {
  expect(lab.run(['down', lab.name]).code).toBe(0);
  expect(leftoversOf(lab.projectName).filter((l) => !l.startsWith('volume'))).toEqual([]);
});
