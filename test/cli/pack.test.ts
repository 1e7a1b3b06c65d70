import { jest } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/cli.js';

jest.setTimeout(300_000);

const npm = (args: string[], cwd: string) => {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};

test('the npm tarball installs and runs `infra-lab labs`; it holds what the CLI needs and no tests', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-pack-'));
  try {
    // npm test has built dist/ already; --ignore-scripts skips the second build of prepack.
    const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], repoRoot)) as { filename: string; files: { path: string }[] }[];
    const files = packed.files.map((f) => f.path);
    for (const needed of ['dist/cli/index.js', 'dist/payloads/app/server.cjs', 'templates/project/nginx.conf.ejs', 'templates/images/db/Dockerfile', 'labs/single-server.yaml', 'schema/lab.schema.json', 'README.md'])
      expect(files).toContain(needed);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.endsWith('.map'))).toEqual([]);

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    npm(['init', '-y'], app);
    npm(['install', '--no-audit', '--no-fund', path.join(dir, packed.filename)], app);
    const r = spawnSync(path.join(app, 'node_modules', '.bin', 'infra-lab'), ['labs'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/single-server\s+1\s+4/);
    expect(r.stdout).toContain('scale-up');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
