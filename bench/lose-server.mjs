// Benchmark of losing a server where a redundant path exists (distributed lab, debian flavor), not a
// test: ROUNDS times `break --server server-2` (web-2, app-2 and the replica killed together), held
// HOLD seconds, then `heal --server server-2`; and ROUNDS times `experiment distributed lose-server-2`.
//
// The judge is a probe outside the lab, from the host through the published HTTP port
// (test/helpers/user-probe.mjs: a request every 20 ms, 1 s timeout, alternating /api/visits and /),
// started a second before each command and stopped 1.5 s after it. It also records the X-Read-From
// header, so each run says when reads moved to the primary and when they came back to the replica.
// Goal: 0 failed requests.
//
// Usage: npm run build && node bench/lose-server.mjs [rounds] [--hold S]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarize, userProbe } from '../test/helpers/user-probe.mjs';
import { home, numberOption, run, sleep } from './cli.mjs';

const args = process.argv.slice(2);
const hold = numberOption(args, '--hold', 5);
const rounds = Number(args[0] ?? 3);

/** Where the reads of the user probe came from, in order, with the second (from t0) each source began. */
function readMoves(requests, t0) {
  const moves = [];
  for (const r of [...requests].filter((x) => x.ok && x.readFrom).sort((a, b) => a.start + a.ms - (b.start + b.ms))) {
    if (moves.at(-1)?.from !== r.readFrom) moves.push({ from: r.readFrom, s: ((r.start + r.ms - t0) / 1000).toFixed(1) });
  }
  return moves.map((m) => `${m.from} from ${m.s} s`).join(', ');
}

const cases = {
  'break --server server-2': async () => {
    await run(['break', '--server', 'server-2', '--lab', 'distributed']);
    await sleep(hold * 1000);
    await run(['heal', '--server', 'server-2', '--lab', 'distributed']);
    return {};
  },
  'experiment lose-server-2': async () => {
    const { code, stdout } = await run(['experiment', 'distributed', 'lose-server-2', '--flavor', 'debian', '--timeout', '1000', '--interval', '20', '--json'], [0, 1]);
    const report = JSON.parse(stdout);
    return { product: `infra-lab's probe ${report.all.failed}/${report.all.sent} failed, exit ${code}${report.verdict?.ok === false ? ` (${report.verdict.contradictions.join('; ')})` : ''}` };
  },
};
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const details = [];
const detailsFile = path.join(os.tmpdir(), `lose-server-${Date.now()}.json`);

try {
  process.stderr.write(`up distributed (debian) in ${home}\n`);
  for (let attempt = 1; ; attempt++) {
    const { code } = await run(['up', 'distributed', '--flavor', 'debian'], attempt < 3 ? [0, 1] : [0]);
    if (code === 0) break;
    process.stderr.write(`up failed (attempt ${attempt}); again\n`);
  }
  const status = JSON.parse((await run(['status', 'distributed', '--json'])).stdout)[0];
  const url = status.endpoints.http;
  for (let i = 1; i <= rounds; i++) {
    for (const [name, act] of Object.entries(cases)) {
      const probe = userProbe(url, { intervalMs: 20, timeoutMs: 1000 });
      await sleep(1000);
      const t0 = Date.now();
      const { product } = await act().catch((err) => ({ product: `command failed: ${err.message.split('\n').slice(0, 3).join(' | ')}` }));
      await sleep(1500);
      const requests = await probe.stop();
      const user = summarize(requests);
      results[name].push(user);
      details.push({ name, round: i, t0, requests });
      console.log(`${name} #${i}: user probe ${user.failed}/${user.total} failed, longest ${Math.round(user.longestMs)} ms (${user.longest?.path}); reads: ${readMoves(requests, t0)}${product ? `; ${product}` : ''}`);
      for (const f of user.firstFailures) console.log(`    failed: ${f.path} ${f.error ?? `HTTP ${f.status}`} after ${Math.round(f.ms)} ms, sent ${((f.start - t0) / 1000).toFixed(2)} s into the command`);
    }
  }
} finally {
  await run(['down', 'distributed', '--volumes']).catch((err) => console.error(err.message));
  fs.rmSync(home, { recursive: true, force: true });
  fs.writeFileSync(detailsFile, JSON.stringify(details));
}

console.log(`\nevery request: ${detailsFile}`);
console.log(`${rounds} round(s), server-2 held down ${hold} s by break; the machine is shared, so timings are noisy:`);
for (const [name, rows] of Object.entries(results)) {
  console.log(`  ${name.padEnd(26)} user probe failed ${rows.map((r) => `${r.failed}/${r.total}`).join(', ')}; longest request ${Math.round(Math.max(...rows.map((r) => r.longestMs)))} ms`);
}
