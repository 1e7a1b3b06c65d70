// Benchmark of the start-up of the commands that do not touch the engine, not a test: each command's
// median wall time and its ratio to `node -e 0`, the cost of starting Node itself. Goal: `labs`
// within 2.5 times `node -e 0`. The two run in turn, and each ratio is the median of the ratios of
// neighbouring runs, so that a machine whose speed drifts meanwhile does not skew it.
//
// Usage: npm run build && node bench/start.mjs [runs]
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const runs = Number(process.argv[2] ?? 15);
const cli = path.resolve('dist/cli/index.js');
const commands = [['labs'], ['--help'], ['show', 'single-server'], ['exercises'], ['diagram', 'single-server', '--format', 'dot']];

/** Wall time of one run, in seconds; a failed run stops the benchmark. */
function wall(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stderr}`);
  return (performance.now() - start) / 1000;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`${runs} runs each, medians, node ${process.version}`);
console.log('command'.padEnd(45), 'wall s', ' x node -e 0');
for (const args of commands) {
  wall([cli, ...args]); // warm-up: file cache
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(wall([cli, ...args]));
    b.push(wall(['-e', '0']));
  }
  console.log(`infra-lab ${args.join(' ')}`.padEnd(45), median(a).toFixed(3), ` ${median(a.map((t, i) => t / b[i])).toFixed(2)}`);
}
