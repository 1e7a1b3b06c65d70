import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot, runCli } from '../helpers/cli.js';
import { parseCsv } from '../../src/classroom/grade.js';
import { visible } from '../../src/text/visible.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-hostile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const env = { INFRA_LAB_HOME: path.join(tmp, 'home') };
const EX = 'stage-1-one-server';
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/;

const { names } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'hostile', 'folder-names.json'), 'utf8')) as { names: { name: string; why: string }[] };

describe('grade over folders with hostile names', () => {
  const dir = path.join(tmp, 'names');
  let r: ReturnType<typeof runCli>;
  let csv: string[][];
  let md: string;
  beforeAll(() => {
    fs.mkdirSync(dir, { recursive: true });
    for (const n of names) fs.mkdirSync(path.join(dir, n.name));
    r = runCli(['grade', EX, dir], { env, timeoutMs: 60_000 });
    csv = parseCsv(fs.readFileSync(path.join(dir, 'results.csv'), 'utf8'));
    md = fs.readFileSync(path.join(dir, 'results.md'), 'utf8');
  });
  test('the corpus holds distinct names', () => expect(new Set(names.map((n) => n.name)).size).toBe(names.length));
  test('grade ends with exit 0 and no control character anywhere in what the teacher sees', () => {
    expect(r.code).toBe(0);
    expect(CONTROL.test(r.stdout + r.stderr)).toBe(false);
    expect(CONTROL.test(md)).toBe(false);
  });
  test.each(names.map((n) => [n.why, n.name] as const))('%s: shown escaped in the terminal, the CSV and the summary', (_why, name) => {
    const shown = visible(name);
    expect(r.stdout.split('\n').some((l) => l.startsWith(shown))).toBe(true);
    const row = csv.find((cells) => cells[0] === shown);
    expect(row?.[row.length - 1]).toMatch(/^invalid: .*has no lab\.yaml/);
    expect(CONTROL.test(row!.join(''))).toBe(false);
    expect(md).toContain('| 0/3 |');
  });
  test('a second run reads every name back and grades none again', () => {
    const again = runCli(['grade', EX, dir], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${names.length} already graded`);
  });
});

/** One grade or check on a prepared folder: the outcome the teacher must see. */
/** `keeps`: a file of the folder, holding 'keep', that the command must leave as it was (a link's target). */
const cases: { name: string; setup: (d: string) => string[]; code: number; says: RegExp; keeps?: string }[] = [
  { name: 'lab.yaml links to /etc/shadow', setup: (d) => (fs.symlinkSync('/etc/passwd', path.join(d, 'lab.yaml')), ['check', EX, d]), code: 2, says: /lab\.yaml: is a symbolic link to \/etc\/passwd, outside the folder/ },
  { name: "lab.yaml links to a classmate's", setup: (d) => (fs.mkdirSync(path.join(d, '..', 'bob-' + path.basename(d))), fs.writeFileSync(path.join(d, '..', 'bob-' + path.basename(d), 'lab.yaml'), 'x: 1'), fs.symlinkSync(`../bob-${path.basename(d)}/lab.yaml`, path.join(d, 'lab.yaml')), ['check', EX, d]), code: 2, says: /outside the folder/ },
  { name: 'lab.yaml is a FIFO', setup: (d) => (execFileSync('mkfifo', [path.join(d, 'lab.yaml')]), ['check', EX, d]), code: 2, says: /lab\.yaml: is a FIFO, not an ordinary file/ },
  { name: 'the exercise marker is a FIFO', setup: (d) => (fs.writeFileSync(path.join(d, 'lab.yaml'), 'x: 1'), execFileSync('mkfifo', [path.join(d, '.infra-lab-exercise')]), ['check', d]), code: 2, says: /\.infra-lab-exercise: is a FIFO/ },
  { name: 'the exercise marker links to /dev/zero', setup: (d) => (fs.writeFileSync(path.join(d, 'lab.yaml'), 'x: 1'), fs.symlinkSync('/dev/zero', path.join(d, '.infra-lab-exercise')), ['check', d]), code: 2, says: /outside the folder/ },
  { name: 'lab.yaml is huge', setup: (d) => (fs.writeFileSync(path.join(d, 'lab.yaml'), Buffer.alloc(300 * 1024, 0x20)), ['check', EX, d]), code: 2, says: /at most 256 KiB/ },
  { name: 'lab.yaml is a dangling link', setup: (d) => (fs.symlinkSync('nowhere.yaml', path.join(d, 'lab.yaml')), ['check', EX, d]), code: 2, says: /which does not exist/ },
  { name: 'a link inside the folder is followed', setup: (d) => (fs.writeFileSync(path.join(d, 'real.yaml'), 'x: 1\n'), fs.symlinkSync('real.yaml', path.join(d, 'lab.yaml')), ['check', EX, d]), code: 2, says: /unknown field 'x'/ },
  { name: '--out is a FIFO', setup: (d) => (fs.mkdirSync(path.join(d, 's')), execFileSync('mkfifo', [path.join(d, 'r.csv')]), ['grade', EX, d, '--out', path.join(d, 'r.csv')]), code: 2, says: /r\.csv: is a FIFO, not an ordinary file/ },
  { name: '--out /dev/null', setup: (d) => (fs.mkdirSync(path.join(d, 's')), ['grade', EX, d, '--out', '/dev/null']), code: 2, says: /\/dev/ },
  { name: '--out under /proc', setup: (d) => (fs.mkdirSync(path.join(d, 's')), ['grade', EX, d, '--out', '/proc/r.csv']), code: 2, says: /proc/ },
  { name: '--out a folder', setup: (d) => (fs.mkdirSync(path.join(d, 's')), ['grade', EX, d, '--out', d]), code: 2, says: /is a folder, not an ordinary file/ },
  { name: '--out in a missing folder', setup: (d) => (fs.mkdirSync(path.join(d, 's')), ['grade', EX, d, '--out', path.join(d, 'no', 'r.csv')]), code: 2, says: /does not exist/ },
  { name: '--out empty', setup: (d) => (fs.mkdirSync(path.join(d, 's')), ['grade', EX, d, '--out', '']), code: 2, says: /empty/ },
  { name: '--out a link', setup: (d) => (fs.mkdirSync(path.join(d, 's')), fs.writeFileSync(path.join(d, 'decoy'), 'keep'), fs.symlinkSync('decoy', path.join(d, 'r.csv')), ['grade', EX, d, '--out', path.join(d, 'r.csv')]), code: 2, says: /is a symbolic link/, keeps: 'decoy' },
  { name: '--out /etc/passwd-like file', setup: (d) => (fs.mkdirSync(path.join(d, 's')), fs.writeFileSync(path.join(d, 'r.csv'), 'root:x:0:0:root:/root:/bin/bash\n'), ['grade', EX, d, '--out', path.join(d, 'r.csv')]), code: 2, says: /is not a results CSV of infra-lab grade/ },
  { name: 'a CSV of another exercise', setup: (d) => (fs.mkdirSync(path.join(d, 's')), fs.writeFileSync(path.join(d, 'r.csv'), 'student,a,a figure,points,total,error\n'), ['grade', EX, d, '--out', path.join(d, 'r.csv')]), code: 2, says: /holds the results of another exercise/ },
  { name: 'a malformed CSV', setup: (d) => (fs.mkdirSync(path.join(d, 's')), fs.writeFileSync(path.join(d, 'r.csv'), 'student,page,page figure,persists,persists figure,points,total,error\n"phantom\n'), ['grade', EX, d, '--out', path.join(d, 'r.csv')]), code: 2, says: /r\.csv:2: not a results CSV .*never ends/ },
  { name: 'a student folder named results.csv', setup: (d) => (fs.mkdirSync(path.join(d, 'results.csv')), [`grade`, EX, d]), code: 2, says: /results\.csv: is a folder/ },
  { name: 'a student folder named results.md', setup: (d) => (fs.mkdirSync(path.join(d, 'results.md')), [`grade`, EX, d]), code: 2, says: /results\.md: is a folder/ },
  { name: 'exercise start into /proc', setup: () => ['exercise', 'start', EX, '/proc/x'], code: 2, says: /proc/ },
  { name: 'exercise start under a file', setup: (d) => (fs.writeFileSync(path.join(d, 'f'), ''), ['exercise', 'start', EX, path.join(d, 'f', 'x')]), code: 2, says: /which is a file/ },
  { name: 'exercise start with a dangling lab.yaml', setup: (d) => (fs.symlinkSync('/nowhere', path.join(d, 'lab.yaml')), ['exercise', 'start', EX, d]), code: 2, says: /already has lab\.yaml; nothing was written/ },
  { name: 'exercise start into the empty string', setup: () => ['exercise', 'start', EX, ''], code: 2, says: /empty/ },
];

describe.each(cases)('$name', ({ setup, code, says, keeps }) => {
  test('one line, the exit code, nothing read from outside or written through a link', () => {
    const d = fs.mkdtempSync(path.join(tmp, 'case-'));
    const r = runCli(setup(d), { env, timeoutMs: 20_000 });
    expect(r.code).toBe(code);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(says);
    expect(r.stderr).not.toMatch(/unexpected error|root:x:0/);
    for (const file of keeps ? [keeps] : []) expect(fs.readFileSync(path.join(d, file), 'utf8')).toBe('keep');
  });
});

test('exercise start with a dangling lab.yaml writes nothing at all', () => {
  const d = fs.mkdtempSync(path.join(tmp, 'start-'));
  fs.symlinkSync('/nowhere', path.join(d, 'answers.yaml'));
  fs.symlinkSync('/nowhere', path.join(d, 'lab.yaml'));
  expect(runCli(['exercise', 'start', EX, d], { env }).code).toBe(2);
  expect(fs.readdirSync(d).sort()).toEqual(['answers.yaml', 'lab.yaml']);
});
