import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { binary, runCli } from '../helpers/cli.js';

/**
 * State files that cannot be read, through the real binary: each command names the file and says
 * what to do, in one line, with exit 2; down still works. These commands ask the engine for the
 * lab's containers, so a Docker engine must run (nothing is started).
 */
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-state-'));
const dir = path.join(home, 'labs', 'single-server');
const env = { INFRA_LAB_HOME: home };
const run = (args: string[]) => runCli(args, { env });

beforeEach(() => {
  fs.rmSync(path.join(home, 'labs'), { recursive: true, force: true });
  const r = run(['generate', 'single-server', '--flavor', 'debian', '-o', dir]);
  if (r.code !== 0) throw new Error(r.stderr);
});

const truncate = (file: string) => fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(dir, file), 'utf8').slice(0, 30));

describe('a truncated infra-lab.json', () => {
  beforeEach(() => truncate('infra-lab.json'));
  const named = new RegExp(`^infra-lab: ${dir}/infra-lab.json is damaged \\(not JSON: [^\\n]*\\); infra-lab down single-server still removes the lab; then delete ${dir} and start it again\\n$`);

  test.each([
    ['status', ['status']],
    ['status of the lab', ['status', 'single-server']],
    ['up', ['up', 'single-server', '--flavor', 'debian']],
    ['break', ['break', 'db', '--lab', 'single-server']],
    ['heal', ['heal', '--all', '--lab', 'single-server']],
    ['restart', ['restart', 'web', '--lab', 'single-server']],
    ['experiment', ['experiment', 'single-server', 'kill-db']],
  ])('%s: exit 2, naming the file and the way out', (_, args) => {
    const r = run(args);
    expect(r.stderr).toMatch(named);
    expect(r.code).toBe(2);
  });

  test('down still works: nothing runs, so nothing is removed', () => {
    const r = run(['down', 'single-server']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^single-server is down \([^)]*\)\.\n$/);
    expect(r.stderr).toContain(`${dir}/infra-lab.json is damaged`);
  });
});

test('a truncated faults.json: heal names it, exit 2', () => {
  fs.writeFileSync(path.join(dir, 'faults.json'), '[{"component": "db", "mo');
  for (const args of [['heal', '--all', '--lab', 'single-server']]) {
    const r = run(args);
    expect(r.stderr).toMatch(new RegExp(`\ninfra-lab: ${dir}/faults.json is damaged \\(not JSON: [^\\n]*\\); infra-lab heal --all cannot know what was broken: delete ${dir}/faults.json, then infra-lab down single-server and up again to start clean\\n$`));
    expect(r.code).toBe(2);
  }
});

test('a name no lab has: down says so, exit 2', () => {
  const r = run(['down', 'nosuch']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('infra-lab: no lab named nosuch has been started; labs infra-lab knows: single-server\n');
});

describe('generate -o refuses targets that are not ordinary folders, with exit 2 and one line', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-target-'));
  fs.writeFileSync(path.join(base, 'a-file'), '');
  const locked = path.join(base, 'locked');
  fs.mkdirSync(locked, { mode: 0o555 });

  test.each([
    ['under a file', path.join(base, 'a-file', 'lab'), /is under .*a-file, which is a file; choose a folder with -o/],
    ['in /proc (it hung at 100% CPU)', '/proc/infra-lab', /is on the kernel's proc filesystem, not an ordinary folder/],
    ['in /sys', '/sys/infra-lab', /is on the kernel's sysfs filesystem, not an ordinary folder/],
  ])('%s', (_, target, message) => {
    const r = runCli(['generate', 'single-server', '-o', target], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  test('a folder the user cannot write', () => {
    // root may write anywhere: run the binary as nobody then.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    fs.chmodSync(base, 0o755);
    const [command, ...args] = [...asUser, process.execPath, binary, 'generate', 'single-server', '-o', path.join(locked, 'lab')];
    const r = spawnSync(command, args, { encoding: 'utf8' });
    expect(r.stderr).toBe(`infra-lab: ${locked}/lab: you cannot write in ${locked}; choose a folder you own with -o\n`);
    expect(r.status).toBe(2);
  });
});

describe('names are checked before anything happens: one line, exit 2, no progress, no probe started', () => {
  test.each([
    ['restart', ['restart', 'nosuch', '--lab', 'single-server'], /no component 'nosuch' in this lab/],
    ['break', ['break', 'nosuch', '--lab', 'single-server'], /no component 'nosuch' in this lab/],
    ['heal', ['heal', 'nosuch', '--lab', 'single-server'], /no component 'nosuch' in this lab/],
    ['scale', ['scale', 'nosuch=2', '--lab', 'single-server'], /the lab single-server has no component 'nosuch'/],
    ['deploy', ['deploy', '--lab', 'single-server', '--version', 'not a version'], /a version is up to 32 letters/],
    ['experiment', ['experiment', 'single-server', 'nosuch'], /the lab single-server has no scenario 'nosuch'/],
  ])('%s', (_, args, message) => {
    const r = run(args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.code).toBe(2);
  });
});
