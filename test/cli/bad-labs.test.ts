import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';

// Each fixture starts with "# expect line N: fragment": the line the error must point at
// and a part of the message the user must see.
const dir = path.join(repoRoot, 'test', 'fixtures', 'bad-labs');
const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

test('there are at least 15 distinct bad lab files', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(15);
});

describe.each(fixtures)('infra-lab generate %s', (name) => {
  const file = path.join('test', 'fixtures', 'bad-labs', name);
  const [, line, fragment] = /^# expect line (\d+): (.*)$/m.exec(fs.readFileSync(path.join(dir, name), 'utf8'))!;

  test('fails with one line naming file:line and exit code 2, and writes nothing', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bad-'));
    const target = path.join(out, 'project');
    const r = runCli(['generate', file, '-o', target]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`infra-lab: ${file}:${line}:`)).toBe(true);
    expect(lines[0]).toContain(fragment);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(target)).toBe(false);
    fs.rmSync(out, { recursive: true, force: true });
  });
});

test('the lab the fixtures start from is valid', () => {
  const r = runCli(['show', path.join('test', 'fixtures', 'good-lab.yaml')]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('A tiny lab (tiny, stage 1, domain example.org)');
});
