import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/**
 * Runs a validator from Debian's packages; the test set-up (scripts/setup-debian-host.sh) installs them.
 * Its stdout is a file, as in a container: nginx opens /dev/stdout, which fails on the socket Node would give it.
 */
export function validate(cmd: string, args: string[], cwd?: string): { code: number | null; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-validator-'));
  const outFile = path.join(dir, 'out');
  const fd = fs.openSync(outFile, 'w');
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
  fs.closeSync(fd);
  const output = `${fs.readFileSync(outFile, 'utf8')}${r.stderr}`;
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.error) throw new Error(`${cmd} is not installed (scripts/setup-debian-host.sh installs it): ${r.error.message}`);
  return { code: r.status, output };
}

/** docker compose (v2) where it is installed, else docker-compose (v1). */
export const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0 ? ['docker', 'compose'] : ['docker-compose'];
