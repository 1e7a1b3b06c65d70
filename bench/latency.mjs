// Benchmark of the latency fault, not a test: is the latency a user measures the latency that was
// injected? On single-server (debian flavor), for each delay, requests from web straight to the app
// server (as nginx makes them) before and while `break app --mode latency --delay D` holds; the
// added latency is the difference of the medians. Goal: within 10% or 10 ms of D.
// Usage: npm run build && node bench/latency.mjs [rounds]   (needs Docker and the debian images)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rounds = Number(process.argv[2] ?? 3);
const delays = [50, 100, 300, 1000];
const cli = path.resolve('dist/cli/index.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bench-'));
const env = { ...process.env, INFRA_LAB_HOME: home };
const run = (args) => {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`infra-lab ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The median time of 15 requests from web to the app server, ms. */
const appLatency = () => {
  const out = run(['exec', 'web', '--', 'sh', '-c', "for i in $(seq 15); do curl -s -o /dev/null -w '%{time_total}\\n' http://app:3000/; done"]);
  return median(out.trim().split('\n').map((s) => Number(s) * 1000));
};

try {
  run(['up', 'single-server', '--flavor', 'debian']);
  console.log('injected  added (median of rounds)  each round                 error   within goal');
  for (const delay of delays) {
    const added = [];
    let method = '';
    for (let i = 0; i < rounds; i++) {
      const before = appLatency();
      method = /\((\w+)\)\./.exec(run(['break', 'app', '--mode', 'latency', '--delay', `${delay}ms`]))?.[1] ?? '?';
      added.push(appLatency() - before);
      run(['heal', 'app']);
    }
    const m = median(added);
    const error = m - delay;
    const ok = Math.abs(error) <= Math.max(10, delay * 0.1);
    console.log(`${String(delay).padStart(5)} ms  ${m.toFixed(1).padStart(8)} ms (${method})  ${added.map((a) => a.toFixed(1)).join(', ').padEnd(26)} ${error >= 0 ? '+' : ''}${error.toFixed(1)} ms  ${ok ? 'yes' : 'NO'}`);
  }
} finally {
  spawnSync('node', [cli, 'down', 'single-server', '--volumes'], { env, stdio: 'ignore' });
  fs.rmSync(home, { recursive: true, force: true });
}
