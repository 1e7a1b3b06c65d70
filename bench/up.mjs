// Benchmark of `infra-lab up single-server` (debian flavor), not a test: prints figures and ratios.
//
// 1. Time from command to all healthy: `infra-lab up` against the same generated project started
//    with plain compose and polled until healthy, same images, alternating, ROUNDS times each.
//    infra-lab's time also covers its DNS and page checks. Goal: within 10% of plain compose.
// 2. Memory of the running lab: the sum over its containers (docker stats). Goal: under 400 MB.
//
// Usage: npm run build && node bench/up.mjs [rounds]   (needs Docker and `infra-lab images build`)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rounds = Number(process.argv[2] ?? 3);
const cli = path.resolve('dist/cli/index.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bench-'));
const plainDir = path.join(home, 'plain');
const env = { ...process.env, INFRA_LAB_HOME: home };

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
};
const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0 ? ['docker', 'compose'] : ['docker-compose'];
const composeRun = (args) => run(compose[0], [...compose.slice(1), ...args], { cwd: plainDir });

function allHealthy() {
  const ids = run('docker', ['ps', '-aq', '--filter', 'label=com.docker.compose.project=infra-lab-single-server']).split('\n').filter(Boolean);
  if (ids.length < 4) return false;
  const states = run('docker', ['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', ...ids]).trim().split('\n');
  return states.every((s) => s === 'running healthy' || s === 'running none');
}

function timePlain() {
  const start = performance.now();
  composeRun(['up', '-d']);
  while (!allHealthy()) spawnSync('sleep', ['0.25']);
  return performance.now() - start;
}

function timeInfraLab() {
  const start = performance.now();
  run('node', [cli, 'up', 'single-server', '--flavor', 'debian']);
  return performance.now() - start;
}

function memoryMB() {
  const out = run('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}']);
  const rows = out.trim().split('\n').filter((l) => l.startsWith('infra-lab-single-server'));
  const toMB = (v) => {
    const m = /([\d.]+)\s*([KMG]i?B)/.exec(v);
    const n = Number(m[1]);
    return m[2].startsWith('G') ? n * 1024 : m[2].startsWith('K') ? n / 1024 : n;
  };
  return rows.map((r) => {
    const [name, usage] = [r.split(' ')[0], r.split(' ').slice(1).join(' ').split('/')[0]];
    return { name, mb: toMB(usage) };
  });
}

run('node', [cli, 'generate', 'single-server', '--flavor', 'debian', '-o', plainDir]);
const ours = [];
const plain = [];
try {
  for (let i = 0; i < rounds; i++) {
    ours.push(timeInfraLab());
    if (i === rounds - 1) {
      await new Promise((r) => setTimeout(r, 5000));
      const mem = memoryMB();
      console.log('memory of the running single-server lab (debian flavor), after 5 s idle:');
      for (const m of mem) console.log(`  ${m.name.padEnd(40)} ${m.mb.toFixed(1)} MB`);
      console.log(`  total ${mem.reduce((s, m) => s + m.mb, 0).toFixed(1)} MB (goal: under 400 MB)`);
    }
    run('node', [cli, 'down', 'single-server', '--volumes']);
    plain.push(timePlain());
    composeRun(['down', '-v']);
  }
} finally {
  spawnSync('node', [cli, 'down', 'single-server', '--volumes'], { env });
  spawnSync(compose[0], [...compose.slice(1), 'down', '-v'], { cwd: plainDir });
  fs.rmSync(home, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`\nfrom command to all healthy, ${rounds} rounds each, alternating (${compose.join(' ')}):`);
console.log(`  infra-lab up:            ${ours.map(s).join(', ')}  median ${s(median(ours))}`);
console.log(`  plain compose + polling: ${plain.map(s).join(', ')}  median ${s(median(plain))}`);
console.log(`  ratio infra-lab / plain: ${(median(ours) / median(plain)).toFixed(2)} (goal: at most 1.10)`);
