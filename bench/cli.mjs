// What the benchmarks that drive infra-lab while a probe runs share: the built command line in a home
// of their own, run without blocking the event loop the probe runs on, and their numeric options.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const cli = path.resolve('dist/cli/index.js');
export const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bench-'));
export const env = { ...process.env, INFRA_LAB_HOME: home };
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Takes `--name N` out of args and returns N, or the fallback when it is not given. */
export function numberOption(args, name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
}

/** Runs infra-lab without blocking this process's event loop, where the probe runs. */
export function run(cliArgs, okCodes = [0]) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...cliArgs], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (okCodes.includes(code) ? resolve({ code, stdout, stderr }) : reject(new Error(`infra-lab ${cliArgs.join(' ')} exited ${code}:\n${stderr}`))));
  });
}
