// Benchmark of `infra-lab load`, not a test. Prints figures and ratios:
// 1. the load generator's own ceiling against wrk on the same endpoint (nginx answering by itself,
//    /nginx-health on single-server), alternating, so we know when a measured limit is ours;
// 2. throughput of scale-up at 1, 2 and 3 app replicas (GET /, 20 ms of CPU per request, 0.5 core per replica).
// Usage: npm run build && node bench/load.mjs   (needs Docker, `infra-lab images build`, and wrk: apt-get install wrk)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const cli = path.resolve('dist/cli/index.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bench-'));
const env = { ...process.env, INFRA_LAB_HOME: home };
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};
const infraLab = (...args) => run('node', [cli, ...args]);
const connections = 32;
const seconds = 8;

try {
  infraLab('up', 'single-server', '--flavor', 'debian');
  const url = JSON.parse(infraLab('status', 'single-server', '--json'))[0].endpoints.http;
  const ours = [];
  const theirs = [];
  for (let i = 0; i < 3; i++) {
    ours.push(JSON.parse(infraLab('load', '--path', '/nginx-health', '--connections', String(connections), '--duration', String(seconds), '--json')).requestsPerSecond);
    const out = run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-H', 'Host: www.foobar.com', `${url}nginx-health`]);
    theirs.push(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`load generator ceiling, ${connections} connections, ${seconds} s, nginx answering by itself (3 alternating runs):`);
  console.log(`  infra-lab load (autocannon): ${ours.join(', ')} requests/s, median ${median(ours)}`);
  console.log(`  wrk (1 thread):              ${theirs.join(', ')} requests/s, median ${median(theirs)}`);
  console.log(`  ratio infra-lab / wrk: ${(median(ours) / median(theirs)).toFixed(2)}`);
  infraLab('down', 'single-server', '--volumes');

  infraLab('up', 'scale-up', '--flavor', 'debian');
  console.log('\nscale-up, GET / (20 ms CPU per request, 0.5 core per app replica), 16 connections, 10 s:');
  let one;
  for (const n of [1, 2, 3]) {
    infraLab('scale', `app=${n}`);
    const r = JSON.parse(infraLab('load', '--connections', '16', '--duration', '10', '--json'));
    one ??= r.requestsPerSecond;
    console.log(`  ${n} replica(s): ${r.requestsPerSecond} requests/s (${(r.requestsPerSecond / one).toFixed(2)}x), p99 ${r.latencyMs.p99} ms; limit: ${r.limit}`);
  }
} finally {
  spawnSync('node', [cli, 'down', 'single-server', '--volumes'], { env });
  spawnSync('node', [cli, 'down', 'scale-up', '--volumes'], { env });
  fs.rmSync(home, { recursive: true, force: true });
}
