// Benchmark of zero-drop maintenance in the distributed lab (debian flavor), not a test: what a
// user sees during `deploy --strategy rolling`, `deploy --strategy blue-green` and the kill and
// heal of an app server (`experiment distributed kill-one-app`), ROUNDS times each.
//
// Two judges per run: an independent probe from the host through the lab's published HTTP port
// (test/helpers/user-probe.mjs: a request every 20 ms, 1 s timeout, Host: www.foobar.com,
// alternating /api/visits and /), and infra-lab's own probe run with --timeout 1000. Prints
// failed/total and the longest request of each, per run and in total. Goal: 0 failed, none over 1 s.
//
// Usage: npm run build && node bench/zero-drop.mjs [rounds] [--busy N]
//   --busy N  N processes spin on the host's CPU meanwhile (contention, as on a shared machine or CI)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarize, userProbe } from '../test/helpers/user-probe.mjs';
import { home, numberOption, run, sleep } from './cli.mjs';

const args = process.argv.slice(2);
const busy = numberOption(args, '--busy', 0);
const rounds = Number(args[0] ?? 3);

const spinners = Array.from({ length: busy }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
const cases = {
  rolling: ['deploy', '--lab', 'distributed', '--strategy', 'rolling', '--timeout', '1000', '--json'],
  'blue-green': ['deploy', '--lab', 'distributed', '--strategy', 'blue-green', '--timeout', '1000', '--json'],
  'kill+heal app-1': ['experiment', 'distributed', 'kill-one-app', '--flavor', 'debian', '--timeout', '1000', '--json'],
};
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
/** Every request and report, for a closer look afterwards. */
const details = [];
const detailsFile = path.join(os.tmpdir(), `zero-drop-${Date.now()}.json`);

try {
  process.stderr.write(`up distributed (debian) in ${home}${busy ? `, ${busy} CPU spinners running` : ''}\n`);
  // On a busy machine a healthcheck may time out during start-up; up again continues where it stopped.
  for (let attempt = 1; ; attempt++) {
    const { code } = await run(['up', 'distributed', '--flavor', 'debian'], attempt < 3 ? [0, 1] : [0]);
    if (code === 0) break;
    process.stderr.write(`up failed (attempt ${attempt}); again\n`);
  }
  const status = JSON.parse((await run(['status', 'distributed', '--json'])).stdout)[0];
  const url = status.endpoints.http;
  for (let i = 1; i <= rounds; i++) {
    for (const [name, cliArgs] of Object.entries(cases)) {
      const probe = userProbe(url, { intervalMs: 20, timeoutMs: 1000 });
      await sleep(1000);
      const t0 = Date.now();
      const { code, stdout, stderr } = await run(cliArgs, [0, 1]);
      await sleep(1500);
      const user = summarize(await probe.stop());
      if (!stdout.trim()) {
        // The command failed before it could report: say why, and go on with the next run.
        console.log(`${name} #${i}: infra-lab exited ${code} without a report: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        console.log(`    user probe meanwhile: ${user.failed}/${user.total} failed, longest ${Math.round(user.longestMs)} ms`);
        continue;
      }
      const report = JSON.parse(stdout);
      const product = { sent: report.all.sent, failed: report.all.failed, exit: code };
      results[name].push({ user, product });
      details.push({ name, round: i, t0, requests: probe.requests, report });
      const slow = user.longest ? ` (${user.longest.path}, ${((user.longest.start - t0) / 1000).toFixed(1)} s into the command)` : '';
      console.log(
        `${name} #${i}: user probe ${user.failed}/${user.total} failed, longest ${Math.round(user.longestMs)} ms${slow}; ` +
          `infra-lab's probe ${product.failed}/${product.sent} failed, exit ${code}${report.verdict?.ok === false ? ` (${report.verdict.contradictions.join('; ')})` : ''}`,
      );
      for (const f of user.firstFailures) console.log(`    failed: ${f.path} ${f.error ?? `HTTP ${f.status}`} after ${Math.round(f.ms)} ms, sent ${((f.start - t0) / 1000).toFixed(2)} s into the command`);
    }
  }
} finally {
  for (const s of spinners) s.kill();
  await run(['down', 'distributed', '--volumes']).catch((err) => console.error(err.message));
  fs.rmSync(home, { recursive: true, force: true });
  fs.writeFileSync(detailsFile, JSON.stringify(details));
}

console.log(`\nevery request and report: ${detailsFile}`);
console.log(`${rounds} round(s)${busy ? ` with ${busy} CPU spinners` : ''}; the machine is shared, so timings are noisy:`);
for (const [name, rows] of Object.entries(results)) {
  const failed = rows.map((r) => `${r.user.failed}/${r.user.total}`).join(', ');
  const longest = Math.round(Math.max(...rows.map((r) => r.user.longestMs)));
  const product = rows.map((r) => `${r.product.failed}/${r.product.sent}`).join(', ');
  console.log(`  ${name.padEnd(16)} user probe failed ${failed}; longest request ${longest} ms; infra-lab's probe failed ${product}`);
}
