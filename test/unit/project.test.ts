import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { resolveLab } from '../../src/lab/load.js';
import { ExitCode, ExitError } from '../../src/errors.js';
import { openProject, readFaults, readInfo, writeFaults } from '../../src/project/project.js';
import { EDITED_COPY, saveAgain, saveProject, writeProjectFiles } from '../../src/project/save.js';
import { checkProjectTarget } from '../../src/project/target.js';
import { lockFileOf, withLabLock } from '../../src/project/lock.js';
import { TLS_FILES } from '../../src/render/project.js';
import type { Fault } from '../../src/faults/faults.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-project-'));
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

/** A project of the given built-in lab, generated as `generate` does. */
async function generated(name = 'single-server') {
  const lab = resolveLab(name);
  const dir = path.join(tmp(), name);
  await saveProject(dir, lab, fs.readFileSync(lab.source, 'utf8'), path.resolve(lab.source), { flavor: 'debian' });
  return { lab, dir };
}

const errorOf = (fn: () => unknown): ExitError => {
  try {
    fn();
  } catch (err) {
    return err as ExitError;
  }
  throw new Error('no error');
};

describe('saving a project', () => {
  test('rendering it again from its own copy changes nothing: same source, one header, same content hash', async () => {
    const { lab, dir } = await generated('scale-up');
    const first = readInfo(dir)!;
    const copy = read(dir, 'lab.yaml');
    expect(copy.match(/^# The lab file this project was generated from/gm)).toHaveLength(1);
    expect(first.source).toBe(path.resolve(lab.source));

    // What scale and deploy do: render again from the opened project, with a change that is not the lab's.
    const result = await saveAgain(openProject(dir), { versions: { app: '7' } });
    expect(result.changed).toBe(false);
    expect(readInfo(dir)).toEqual(first);
    expect(read(dir, 'lab.yaml')).toBe(copy);
    expect(read(dir, '.env')).toMatch(/^APP_VERSION_APP=7$/m);

    // Scaling changes the project, and is remembered; the source still is the lab file.
    await saveAgain(openProject(dir), { replicas: { app: 3 } });
    const scaled = openProject(dir);
    expect(scaled.info.replicas).toEqual({ app: 3 });
    expect(scaled.info.source).toBe(path.resolve(lab.source));
    expect(scaled.lab.components.find((c) => c.name === 'app')!.replicas).toBe(3);
    expect(read(dir, 'lab.yaml')).toBe(copy);
  });

  test('keeps the secrets, the certificate and the state when it is saved again', async () => {
    const { dir } = await generated('secured-monitored');
    const env = read(dir, '.env');
    const cert = read(dir, `tls/${TLS_FILES.pem}`);
    const fault: Fault = { component: 'web-1', mode: 'kill', at: 1, containers: [{ id: 'x', name: 'web-1' }] };
    writeFaults(dir, [fault]);
    fs.mkdirSync(path.join(dir, 'reports'));
    fs.writeFileSync(path.join(dir, 'reports', 'kept.md'), 'kept');
    await saveAgain(openProject(dir), {});
    expect(read(dir, '.env')).toBe(env);
    expect(read(dir, `tls/${TLS_FILES.pem}`)).toBe(cert);
    expect(readFaults(dir)).toEqual([fault]);
    expect(read(dir, 'reports/kept.md')).toBe('kept');
  });

  test('updates existing files in place, as the bind mounts of running containers need', async () => {
    const { dir } = await generated();
    const inode = fs.statSync(path.join(dir, 'config/nginx/web.conf')).ino;
    await saveAgain(openProject(dir), { routing: { drained: ['app'] } });
    expect(fs.statSync(path.join(dir, 'config/nginx/web.conf')).ino).toBe(inode);
    expect(read(dir, 'config/nginx/web.conf')).toMatch(/drained for maintenance/);
  });

  test('an error while writing leaves no partial project and no staging folder', () => {
    const parent = tmp();
    const dir = path.join(parent, 'lab');
    const files = [
      { path: 'docker-compose.yml', content: 'services: {}\n' },
      { path: `config/${'x'.repeat(300)}.conf`, content: 'too long a name\n' },
    ];
    const err = errorOf(() => writeProjectFiles(dir, files, false));
    expect(err.code).toBe(ExitCode.failed);
    expect(err.message).toMatch(/^could not write the project .*\/lab: ENAMETOOLONG/);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  test('older projects whose copy has stacked headers are healed when saved again', async () => {
    const { dir } = await generated();
    const copy = read(dir, 'lab.yaml');
    fs.writeFileSync(path.join(dir, 'lab.yaml'), `# The lab file this project was generated from (${dir}/lab.yaml), copied by infra-lab.\n${copy}`);
    await saveAgain(openProject(dir), {});
    expect(read(dir, 'lab.yaml')).toBe(copy);
  });

  test('a hand-edited docker-compose.yml is refused, and with replaceEdited kept beside', async () => {
    const { lab, dir } = await generated();
    const edited = `${read(dir, 'docker-compose.yml')}# my change\n`;
    fs.writeFileSync(path.join(dir, 'docker-compose.yml'), edited);
    const err = await saveAgain(openProject(dir), {}).then(
      () => undefined,
      (e: ExitError) => e,
    );
    expect(err?.code).toBe(ExitCode.usage);
    expect(err?.message).toBe(
      `${dir}/docker-compose.yml was edited since infra-lab wrote it, and rendering the lab again would replace it; put the change in the lab file, or run infra-lab up ${lab.name} --force (your file is kept as docker-compose.yml.edited)`,
    );
    expect(read(dir, 'docker-compose.yml')).toBe(edited);
    await saveAgain(openProject(dir), { replaceEdited: true });
    expect(read(dir, EDITED_COPY)).toBe(edited);
    expect(read(dir, 'docker-compose.yml')).not.toContain('# my change');
  });

  test('a folder infra-lab did not make is refused', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const lab = resolveLab('single-server');
    await expect(saveProject(dir, lab, '', lab.source, { flavor: 'debian' })).rejects.toThrow(/is not empty and was not made by infra-lab/);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });
});

describe('state files that cannot be read name themselves and the way out', () => {
  test('a truncated infra-lab.json', async () => {
    const { dir } = await generated();
    fs.writeFileSync(path.join(dir, 'infra-lab.json'), read(dir, 'infra-lab.json').slice(0, 40));
    const err = errorOf(() => openProject(dir));
    expect(err.code).toBe(ExitCode.usage);
    expect(err.message).toMatch(new RegExp(`^${dir}/infra-lab.json is damaged \\(not JSON: .*\\); infra-lab down single-server still removes the lab; then delete ${dir} and start it again$`));
  });

  test('a truncated faults.json', async () => {
    const { dir } = await generated();
    fs.writeFileSync(path.join(dir, 'faults.json'), '[{"component": "db", "mo');
    const err = errorOf(() => readFaults(dir));
    expect(err.code).toBe(ExitCode.usage);
    expect(err.message).toMatch(new RegExp(`^${dir}/faults.json is damaged \\(not JSON: .*\\); infra-lab heal --all cannot know what was broken: delete ${dir}/faults.json`));
  });

  test('a lab copy that is gone', async () => {
    const { dir } = await generated();
    fs.rmSync(path.join(dir, 'lab.yaml'));
    expect(errorOf(() => openProject(dir)).message).toMatch(new RegExp(`^${dir}/lab.yaml is damaged \\(ENOENT`));
  });
});

describe('project targets', () => {
  test.each([
    ['under a file', (d: string) => (fs.writeFileSync(path.join(d, 'f'), ''), path.join(d, 'f', 'sub')), /is under .*\/f, which is a file; choose a folder with -o$/],
    ['a file', (d: string) => (fs.writeFileSync(path.join(d, 'f'), ''), path.join(d, 'f')), /\/f is a file, not a folder; choose a folder with -o$/],
    ['in /proc', () => '/proc/infra-lab-test', /^\/proc\/infra-lab-test is on the kernel's proc filesystem, not an ordinary folder/],
    ['in /sys', () => '/sys/kernel/infra-lab-test', /is on the kernel's sysfs filesystem, not an ordinary folder/],
    ['in /dev', () => '/dev/infra-lab-test', /is on \/dev \(devices\), not an ordinary folder/],
  ])('%s is refused with exit 2', (_, target, message) => {
    const err = errorOf(() => checkProjectTarget(target(tmp())));
    expect(err.code).toBe(ExitCode.usage);
    expect(err.message).toMatch(message);
  });

  test('a new folder under an ordinary one is accepted', () => {
    expect(() => checkProjectTarget(path.join(tmp(), 'a', 'b'))).not.toThrow();
  });
});

describe('the per-lab lock', () => {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  test('a stale lock of a dead process is taken over', async () => {
    const home = tmp();
    const file = lockFileOf(home, 'x');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(file, JSON.stringify({ pid: dead.pid, command: 'up x', at: 0 }));
    const held = await withLabLock(home, 'x', async () => JSON.parse(fs.readFileSync(file, 'utf8')).pid);
    expect(held).toBe(process.pid);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('a live holder is waited for, named, and the lock taken when it ends', async () => {
    const home = tmp();
    const file = lockFileOf(home, 'x');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const holder = spawn('sleep', ['30']);
    fs.writeFileSync(file, JSON.stringify({ pid: holder.pid, command: 'up x', at: 0 }));
    const waited: number[] = [];
    const done = withLabLock(home, 'x', async () => 'mine', { onWait: (h) => waited.push(h.pid), sleep });
    await sleep(500);
    expect(waited).toEqual([holder.pid]);
    holder.kill('SIGKILL');
    await expect(done).resolves.toBe('mine');
  });

  test('gives up after its timeout, naming the holder', async () => {
    const home = tmp();
    const file = lockFileOf(home, 'x');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ pid: process.ppid, command: 'up x', at: 0 }));
    await expect(withLabLock(home, 'x', async () => 'mine', { timeoutMs: 300, sleep })).rejects.toThrow(
      `the lab x is still locked by process ${process.ppid} (infra-lab up x); wait for it to end, or stop it (kill ${process.ppid})`,
    );
  });

  test('is taken once by a use case that calls another', async () => {
    const home = tmp();
    const inner = await withLabLock(home, 'x', () => withLabLock(home, 'x', async () => 'inner', { timeoutMs: 100, sleep }));
    expect(inner).toBe('inner');
    expect(fs.existsSync(lockFileOf(home, 'x'))).toBe(false);
  });
});
