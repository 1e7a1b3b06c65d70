// Benchmark of classroom checks, not a test: how long does checking one stage-2 submission take,
// and grading a folder of five, and where does the time go (up, checks, teardown)?
// The five: three correct (the distributed lab), one with a single server (fails), one invalid.
// Usage: npm run build && node bench/classroom.mjs [jobs]   (needs Docker and the debian images)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const jobs = process.argv[2] ?? '1';
const cli = path.resolve('dist/cli/index.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bench-'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-bench-class-'));
const env = { ...process.env, INFRA_LAB_HOME: home };
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const run = (args) => {
  const start = Date.now();
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`infra-lab ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return { out: JSON.parse(r.stdout), ms: Date.now() - start };
};
const split = (r) => `up ${s(r.ms.up)}, checks ${s(r.ms.checks)}, teardown ${s(r.ms.teardown)}; ${r.points}/${r.total} points`;
const lab = (name) => fs.readFileSync(path.join('labs', `${name}.yaml`), 'utf8');

try {
  const one = path.join(work, 'one');
  spawnSync('node', [cli, 'exercise', 'start', 'stage-2-redundancy', one], { env });
  fs.writeFileSync(path.join(one, 'lab.yaml'), lab('distributed'));
  const checked = run(['check', one, '--flavor', 'debian', '--json']);
  console.log(`check of one stage-2 submission: ${s(checked.ms)} in all (the command); ${split(checked.out)}`);
  for (const c of checked.out.checks) console.log(`  ${c.id}: ${s(c.ms)}`);

  const folder = path.join(work, 'class');
  const students = { a: lab('distributed'), b: lab('distributed'), c: lab('distributed'), d: lab('single-server'), e: 'name: [' };
  for (const [name, text] of Object.entries(students)) {
    fs.mkdirSync(path.join(folder, name), { recursive: true });
    fs.writeFileSync(path.join(folder, name, 'lab.yaml'), text);
  }
  const graded = run(['grade', 'stage-2-redundancy', folder, '--flavor', 'debian', '--jobs', jobs, '--json']);
  console.log(`\ngrade of five stage-2 submissions with --jobs ${jobs}: ${s(graded.ms)} in all`);
  for (const row of graded.out.graded) console.log(`  ${row.student}: ${row.result ? split(row.result) : row.error}`);
} finally {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
}
