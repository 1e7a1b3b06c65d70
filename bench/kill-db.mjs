// Benchmark of the probe, not a test: how close is the outage the probe measures to the one the
// engine's own events give? Repeats `experiment single-server kill-db` (debian flavor) and compares
//   probe:  from the first failed request sent to the answer of the first successful one after it
//   engine: db's `die` event to its `health_status: healthy` (and, as a lower bound, to `start`)
// Prints the distribution of the differences, and the probe's own CPU use while watching.
// Usage: npm run build && node bench/kill-db.mjs [rounds]   (needs Docker and `infra-lab images build`)
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rounds = Number(process.argv[2] ?? 10);
const cli = path.resolve('dist/cli/index.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bench-'));
const env = { ...process.env, INFRA_LAB_HOME: home };
const run = (args) => {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', env });
  if (r.status !== 0 && r.status !== 1) throw new Error(`infra-lab ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};

const rows = [];
try {
  for (let i = 0; i < rounds; i++) {
    const r = JSON.parse(run(['experiment', 'single-server', 'kill-db', '--flavor', 'debian', '--json']));
    const ev = (action, after = -Infinity) => r.events.find((e) => e.service === 'db' && e.action === action && e.ms > after);
    const die = ev('die');
    const start = ev('start', die.ms);
    const healthy = ev('health_status: healthy', die.ms);
    rows.push({ probe: r.all.longestMs, toStart: start.ms - die.ms, toHealthy: healthy.ms - die.ms, verdict: r.verdict.ok });
    console.log(`round ${i + 1}: probe ${Math.round(r.all.longestMs)} ms; engine die->start ${start.ms - die.ms} ms, die->healthy ${healthy.ms - die.ms} ms; ${r.verdict.ok ? 'as expected' : 'NOT as expected'}`);
  }

  // The probe's own cost: CPU of its container while it watches at the default interval.
  const watch = spawn('node', [cli, 'watch', '--duration', '25', '--lab', 'single-server'], { env, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 12_000));
  const stats = spawnSync('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}'], { encoding: 'utf8' }).stdout;
  const probeLine = stats.split('\n').find((l) => l.includes('-probe-'));
  console.log(`\nprobe container while watching every 50 ms: ${probeLine ?? 'not found'}`);
  const host = spawnSync('ps', ['-C', 'node', '-o', 'pcpu=,args='], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.includes(' watch '));
  console.log(`infra-lab watch on the host (ps %CPU, average over its life): ${host?.trim().split(' ')[0] ?? 'n/a'}%`);
  await new Promise((r) => watch.on('exit', r));
} finally {
  spawnSync('node', [cli, 'down', 'single-server', '--volumes'], { env });
  fs.rmSync(home, { recursive: true, force: true });
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const r = (x) => Math.round(x);
  return `min ${r(s[0])}  median ${r(q(0.5))}  p90 ${r(q(0.9))}  max ${r(s[s.length - 1])} ms`;
};
console.log(`\n${rows.length} rounds of kill-db (db down for 5 s, then healed):`);
console.log(`  probe outage:                  ${stats(rows.map((r) => r.probe))}`);
console.log(`  engine die -> start:           ${stats(rows.map((r) => r.toStart))}`);
console.log(`  engine die -> healthy:         ${stats(rows.map((r) => r.toHealthy))}`);
console.log(`  |probe - (die -> healthy)|:    ${stats(rows.map((r) => Math.abs(r.probe - r.toHealthy)))}`);
console.log(`  probe - (die -> start):        ${stats(rows.map((r) => r.probe - r.toStart))}  (MariaDB's start-up, which the engine does not see)`);
console.log(`  verdicts as expected: ${rows.filter((r) => r.verdict).length} of ${rows.length}`);
