import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { environmentError, usageError } from '../../errors.js';
import type { RunContext } from '../../run/context.js';
import { knownProjects, projectDirOf } from '../../project/project.js';
import { table, type Output } from '../output.js';

export interface ReportCommandOptions {
  open?: boolean;
  json?: boolean;
}

interface ReportEntry {
  name: string;
  /** ms since 1970, from the file */
  at: number;
  verdict?: 'as expected' | 'NOT as expected';
  html?: string;
  json: string;
}

/** `infra-lab report [lab]`: a lab's reports, newest last; prints (or opens) the newest HTML report. */
export async function reportCommand(name: string | undefined, options: ReportCommandOptions, ctx: Pick<RunContext, 'home'>, output: Output): Promise<void> {
  const lab = name ?? onlyLabWithReports(ctx.home);
  const dir = path.join(projectDirOf(ctx.home, lab), 'reports');
  const reports = fs.existsSync(dir) ? listReports(dir) : [];
  if (reports.length === 0) throw usageError(`${lab} has no reports yet; infra-lab experiment ${lab} <scenario>, restart, deploy or load write them`);
  const newest = reports[reports.length - 1];
  if (options.json) output.out(JSON.stringify({ lab, reports, newest: newest.html ?? newest.json }, null, 2));
  else {
    for (const line of table(['WHEN', 'REPORT', 'VERDICT'], reports.map((r) => [new Date(r.at).toLocaleString('en-GB'), r.name, r.verdict ?? '-']))) output.out(line);
    output.out('');
    output.out(`newest: ${newest.html ?? newest.json}`);
  }
  if (options.open) await openFile(newest.html ?? newest.json);
}

function listReports(dir: string): ReportEntry[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const json = path.join(dir, f);
      const html = json.replace(/\.json$/, '.html');
      let verdict: ReportEntry['verdict'];
      let at = fs.statSync(json).mtimeMs;
      try {
        const data = JSON.parse(fs.readFileSync(json, 'utf8')) as { verdict?: { ok: boolean }; startedAt?: number };
        if (data.verdict) verdict = data.verdict.ok ? 'as expected' : 'NOT as expected';
        if (typeof data.startedAt === 'number') at = data.startedAt;
      } catch {
        // A report that does not parse is still listed, without its verdict.
      }
      return { name: f.replace(/\.json$/, ''), at, verdict, json, ...(fs.existsSync(html) ? { html } : {}) };
    })
    .sort((a, b) => a.at - b.at);
}

function onlyLabWithReports(home: string): string {
  const withReports = knownProjects(home).filter((p) => fs.existsSync(path.join(p.dir, 'reports')));
  if (withReports.length === 1) return withReports[0].name;
  if (withReports.length === 0) throw usageError('no lab has reports yet; run infra-lab experiment <lab> <scenario> first');
  throw usageError(`several labs have reports (${withReports.map((p) => p.name).join(', ')}); say which: infra-lab report <lab>`);
}

/** Opens a file with the desktop's default program. */
function openFile(file: string): Promise<void> {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', file]] : ['xdg-open', [file]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.once('error', (err) => reject(environmentError(`cannot open ${file}: ${cmd} is not available (${err.message}); open the file in a browser yourself`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
