import { jest } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leftoversOf, requireDocker, ensureImages } from '../helpers/live.js';
import { repoRoot, runCli, runCliAsync, type RunResult } from '../helpers/cli.js';
import { projectNameOf } from '../../src/run/context.js';
import { checkHomeOf, type SubmissionResult } from '../../src/classroom/run-check.js';
import { resolveExercise } from '../../src/classroom/exercise.js';
import { parseCsv } from '../../src/classroom/grade.js';

jest.setTimeout(900_000);

/**
 * Classroom exercises checked live (debian flavor): a correct solution passes, a wrong one fails
 * the right check with a measured figure, an invalid one exits 2; grade records each of a folder's
 * submissions and leaves nothing running. Every check runs in a home of its own.
 */
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-classroom-'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-submissions-'));
const env = { INFRA_LAB_HOME: home };
const lab = (name: string) => fs.readFileSync(path.join(repoRoot, 'labs', `${name}.yaml`), 'utf8');

beforeAll(() => {
  requireDocker();
  ensureImages();
});
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** A student's folder, started with exercise start, then with lab.yaml (and answers.yaml) as given. */
function submission(exercise: string, name: string, files: Record<string, string>): string {
  const dir = path.join(work, exercise, name);
  const r = runCli(['exercise', 'start', exercise, dir], { env });
  if (r.code !== 0) throw new Error(r.stderr);
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

function check(dir: string): { r: RunResult; result?: SubmissionResult } {
  const r = runCli(['check', dir, '--flavor', 'debian', '--json'], { env, timeoutMs: 900_000 });
  return { r, result: r.stdout.trim() ? (JSON.parse(r.stdout) as SubmissionResult) : undefined };
}

/** What a checked submission left in the engine: nothing, once check has ended. */
function leftoversOfCheck(exercise: string, dir: string, labName: string): string[] {
  return leftoversOf(projectNameOf(checkHomeOf(home, resolveExercise(exercise), { dir, labFile: '' }), labName));
}

const byId = (result: SubmissionResult | undefined, id: string) => result?.checks.find((c) => c.id === id);

describe('stage-2-redundancy', () => {
  test('the distributed design passes: no request lost to a dead app server or replica; killing the primary fails writes only', () => {
    const dir = submission('stage-2-redundancy', 'good', { 'lab.yaml': lab('distributed') });
    const { r, result } = check(dir);
    expect({ code: r.code, failed: result?.checks.filter((c) => !c.pass) }).toEqual({ code: 0, failed: [] });
    expect(byId(result, 'app-loss')!.figure).toMatch(/^app-1: 0 of \d+ requests failed.*; app-2: 0 of \d+ requests failed/);
    expect(byId(result, 'primary-loss')!.figure).toMatch(/db-primary: [1-9]\d* of \d+ requests failed over [\d.]+ s \(database \d+\), writes [1-9]\d*\/\d+ and reads 0\/\d+ failed/);
    expect(result!.points).toBe(result!.total);
    expect(r.stderr).toMatch(/taking the submission's lab down/);
    expect(leftoversOfCheck('stage-2-redundancy', dir, 'distributed')).toEqual([]);
  });

  test('one server (a single app server, no replica) fails the app-loss check with the requests it lost', () => {
    const dir = submission('stage-2-redundancy', 'one-server', { 'lab.yaml': lab('single-server') });
    const { r, result } = check(dir);
    expect(r.code).toBe(1);
    expect(byId(result, 'page')).toMatchObject({ pass: true });
    expect(byId(result, 'app-loss')).toMatchObject({ pass: false, figure: expect.stringMatching(/^app: [1-9]\d* of \d+ requests failed/) });
    expect(byId(result, 'replica-loss')).toMatchObject({ pass: false, figure: '0 such component(s) (role db, replicas)' });
    expect(byId(result, 'primary-loss')).toMatchObject({ pass: false, figure: expect.stringMatching(/reads [1-9]\d*\/\d+ failed \(reads failed\)/) });
    expect(result!.points).toBe(1);
    expect(r.stderr).toMatch(/infra-lab: 3 of 4 checks failed/);
    expect(leftoversOfCheck('stage-2-redundancy', dir, 'single-server')).toEqual([]);
  });

  test('an invalid lab file is refused before anything runs: exit 2, one line naming file and line', () => {
    const dir = submission('stage-2-redundancy', 'invalid', { 'lab.yaml': lab('distributed').replace('role: app, server: server-1', 'role: application, server: server-1') });
    const { r } = check(dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/lab\.yaml:\d+:\d+: .*'application' is not allowed/)]);
  });

  test('a lab that changes the domain breaks the exercise\'s rule: exit 2', () => {
    const dir = submission('stage-2-redundancy', 'other-domain', { 'lab.yaml': lab('distributed').replace('domain: foobar.com', 'domain: example.org') });
    const { r } = check(dir);
    expect([r.code, r.stderr.trim()]).toEqual([2, expect.stringMatching(/the lab's domain is example\.org; this exercise keeps it foobar\.com$/)]);
  });
});

describe('stage-3-secure-monitor', () => {
  test('the secured-monitored design passes: the database port reached from the app servers only, HTTPS with a redirect, Prometheus counting requests', () => {
    const dir = submission('stage-3-secure-monitor', 'good', { 'lab.yaml': lab('secured-monitored') });
    const { r, result } = check(dir);
    expect({ code: r.code, failed: result?.checks.filter((c) => !c.pass) }).toEqual({ code: 0, failed: [] });
    expect(byId(result, 'db-firewalled')!.figure).toBe('reached from: app-1 (app), app-2 (app)');
    expect(byId(result, 'https')!.figure).toBe('HTTPS answered 200; HTTP answered 301 to https://www.foobar.com/');
    expect(byId(result, 'monitor')!.figure).toMatch(/^the query answered \d/);
  });

  test('the distributed design fails each check, naming what reached the database', () => {
    const dir = submission('stage-3-secure-monitor', 'open', { 'lab.yaml': lab('distributed') });
    const { r, result } = check(dir);
    expect(r.code).toBe(1);
    expect(byId(result, 'db-firewalled')!.figure).toBe('reached from: lb (lb), web-1 (web), web-2 (web), app-1 (app), app-2 (app); not allowed: lb, web-1, web-2');
    expect(result!.checks.map((c) => c.pass)).toEqual([false, false, false]);
    expect(leftoversOfCheck('stage-3-secure-monitor', dir, 'distributed')).toEqual([]);
  });
});

describe('tune-self-heal', () => {
  const start = fs.readFileSync(path.join(repoRoot, 'exercises', 'start', 'no-restart.yaml'), 'utf8');

  test('the start as handed out fails: a crashed app server with restart "no" stays down', () => {
    const dir = submission('tune-self-heal', 'as-given', {});
    const { r, result } = check(dir);
    expect(r.code).toBe(1);
    expect(byId(result, 'comes-back')).toMatchObject({ pass: false, figure: 'app not back after 30 s' });
    expect(leftoversOfCheck('tune-self-heal', dir, 'no-restart')).toEqual([]);
  });

  test('with a restart policy the crashed app server is back by itself, and the figure says how fast', () => {
    const dir = submission('tune-self-heal', 'restarts', { 'lab.yaml': start.replace('restart: "no"', 'restart: on-failure') });
    const { r, result } = check(dir);
    expect([r.code, r.stderr.slice(-1500)]).toEqual([0, expect.anything()]);
    expect(byId(result, 'comes-back')!.figure).toMatch(/^app back in \d+\.\d s$/);
  });
});

describe('grade', () => {
  test('a folder of four (passing, failing, invalid, hanging): the CSV records each, the hanging one cut at the time limit, nothing left running', async () => {
    const folder = path.join(work, 'class');
    const singleServer = lab('single-server');
    const students: Record<string, string> = {
      ada: singleServer,
      // No www record: the page cannot be found through www.foobar.com.
      bob: singleServer.replace(/^\s*- \{ name: www, type: CNAME, target: "@" \}\n/m, ''),
      cy: 'name: [unclosed',
      // A database with a hundredth of a core does not finish starting before compose gives up on
      // it (its start period, about two minutes), so the time limit of 100 s cuts it first. Named to
      // be checked second, beside ada (--jobs 2), so that the limit is not waited for alone.
      ann: singleServer.replace('{ name: db, role: db, server: server-1, networks: [private] }', '{ name: db, role: db, server: server-1, networks: [private], cpus: 0.01 }'),
    };
    for (const [name, text] of Object.entries(students)) {
      fs.mkdirSync(path.join(folder, name), { recursive: true });
      fs.writeFileSync(path.join(folder, name, 'lab.yaml'), text);
    }
    const csv = path.join(work, 'results.csv');
    const r = await runCliAsync(['grade', 'stage-1-one-server', folder, '--out', csv, '--time-limit', '100', '--flavor', 'debian', '--jobs', '2'], { env });
    expect([r.code, r.stderr.slice(-2000)]).toEqual([0, expect.anything()]);
    const [header, ...rows] = parseCsv(fs.readFileSync(csv, 'utf8'));
    expect(header).toEqual(['student', 'page', 'page figure', 'persists', 'persists figure', 'points', 'total', 'error']);
    const row = Object.fromEntries(rows.map((cells) => [cells[0], Object.fromEntries(header.map((h, i) => [h, cells[i]]))]));
    expect(Object.keys(row)).toEqual(['ada', 'ann', 'bob', 'cy']);
    expect(row.ada).toMatchObject({ page: 'pass', persists: 'pass', points: '3', total: '3', error: '' });
    expect(row.bob).toMatchObject({ page: 'fail', 'page figure': expect.stringMatching(/^0 of \d+ requests to www\.foobar\.com answered \(first failure: dns/), persists: 'pass', points: '1' });
    expect(row.cy).toMatchObject({ page: '', points: '0', error: expect.stringMatching(/^invalid: .*lab\.yaml:1:\d+: /) });
    expect(row.ann).toMatchObject({ page: 'fail', points: '0', error: expect.stringMatching(/time limit of 100 s/) });
    expect(fs.readFileSync(path.join(work, 'results.md'), 'utf8')).toContain('| ada | 3/3 | 2/2 |  |');
    // Nothing of any submission is left in the engine.
    expect(runCli(['status', '--json'], { env }).stdout.trim()).toBe('[]');
    for (const [name, labName] of [['ada', 'single-server'], ['ann', 'single-server'], ['bob', 'single-server']])
      expect(leftoversOfCheck('stage-1-one-server', path.join(folder, name), labName)).toEqual([]);

    // Graded once: a second run skips all four, unless --force.
    const again = runCli(['grade', 'stage-1-one-server', folder, '--out', csv, '--flavor', 'debian'], { env });
    expect([again.code, again.stdout]).toEqual([0, expect.stringContaining('4 already graded, skipped (--force checks them again): ada, ann, bob, cy')]);
    expect(parseCsv(fs.readFileSync(csv, 'utf8')).slice(1)).toEqual(rows);
  });
});
