import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot, runCli } from '../helpers/cli.js';

// Each fixture starts with "# expect line N: fragment", the line the error must point at and a part
// of the message the user must see, or "# expect file: fragment" when the file has no line to point at.
// Fixtures that cannot carry a readable first line (another encoding, a folder) are listed here.
const dir = path.join(repoRoot, 'test', 'fixtures', 'bad-labs');
const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const unreadable: Record<string, string> = {
  '82-utf16.yaml': 'is UTF-16 or UTF-32 text; save it as UTF-8',
  '84-a-folder.yaml': 'is a folder, not a lab file',
};

function expectation(name: string): { line?: string; fragment: string } {
  if (unreadable[name]) return { fragment: unreadable[name] };
  const head = fs.readFileSync(path.join(dir, name), 'latin1');
  const m = /^# expect (?:line (\d+)|file): (.*)$/m.exec(head);
  if (!m) throw new Error(`${name} has no "# expect" line`);
  return { line: m[1], fragment: m[2] };
}

/** Runs generate on a bad lab file: exit 2, one line naming the file (and line), nothing written. */
function expectRefused(file: string, line: string | undefined, fragment: string) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bad-'));
  const target = path.join(out, 'project');
  const r = runCli(['generate', file, '-o', target], { timeoutMs: 30_000 });
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith(`infra-lab: ${file}:${line === undefined ? ' ' : `${line}:`}`)).toBe(true);
  expect(lines[0]).toContain(fragment);
  expect(r.stdout).toBe('');
  expect(fs.existsSync(target)).toBe(false);
  fs.rmSync(out, { recursive: true, force: true });
}

test('the corpus holds at least 60 distinct bad lab files', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(60);
  expect(new Set(fixtures.map((f) => fs.statSync(path.join(dir, f)).isDirectory() ? f : fs.readFileSync(path.join(dir, f), 'latin1'))).size).toBe(fixtures.length);
});

describe.each(fixtures)('infra-lab generate %s', (name) => {
  test('fails with one line naming file:line and exit code 2, and writes nothing', () => {
    const { line, fragment } = expectation(name);
    expectRefused(path.join('test', 'fixtures', 'bad-labs', name), line, fragment);
  });
});

describe('files that cannot be kept in the repository', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bad-files-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('a file over 256 KiB is refused at once, before it is read', () => {
    const file = path.join(tmp, 'huge.yaml');
    fs.writeFileSync(file, `# ${'x'.repeat(80)}\n`.repeat(4000));
    expectRefused(file, undefined, 'a lab file may be at most 256 KiB');
  });

  test('a FIFO is refused, not waited on', () => {
    const file = path.join(tmp, 'pipe.yaml');
    execFileSync('mkfifo', [file]);
    expectRefused(file, undefined, 'is not an ordinary file');
  });

  test('a path through a file is refused', () => {
    const file = path.join(tmp, 'plain');
    fs.writeFileSync(file, 'x');
    expectRefused(path.join(file, 'lab.yaml'), undefined, 'lab file not found');
  });
});

test('the lab the fixtures start from is valid', () => {
  const r = runCli(['show', path.join('test', 'fixtures', 'good-lab.yaml')]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('A tiny lab (tiny, stage 1, domain example.org)');
});
