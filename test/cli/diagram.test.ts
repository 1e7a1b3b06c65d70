import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

test('diagram writes an SVG file and names the single points of failure', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-diagram-')), 'd.svg');
  const r = runCli(['diagram', 'distributed', '-o', out]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Single points of failure: dns, lb, db-primary (for writes).');
  expect(fs.readFileSync(out, 'utf8')).toMatch(/<svg[\s\S]*<\/svg>/);
});

test('diagram prints DOT or Mermaid on standard output, the topology with --json', () => {
  expect(runCli(['diagram', 'single-server', '--format', 'dot']).stdout).toMatch(/^\/\/ The topology of the lab single-server[\s\S]*digraph lab \{/);
  expect(runCli(['diagram', 'single-server', '--format', 'mermaid']).stdout).toContain('flowchart TB');
  const json = JSON.parse(runCli(['diagram', 'scale-up', '--json']).stdout) as { components: { name: string; spof?: string }[] };
  expect(json.components.filter((c) => c.spof).map((c) => c.name)).toEqual(['dns', 'db-primary']);
});

test('diagram refuses an unknown format or lab with exit code 2', () => {
  expect(runCli(['diagram', 'single-server', '--format', 'png']).code).toBe(2);
  const r = runCli(['diagram', 'no-such-lab']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('no-such-lab');
});
