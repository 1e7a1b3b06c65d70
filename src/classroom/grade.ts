import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { ExitCode, ExitError, usageError } from '../errors.js';
import type { Flavor } from '../render/flavors.js';
import { projectNameOf, type RunContext } from '../run/context.js';
import { downByLabels } from '../run/labs.js';
import type { Progress } from '../run/events.js';
import type { Exercise } from './exercise.js';
import { checkHomeOf, type SubmissionResult } from './run-check.js';
import { submissionAt, validateSubmission } from './submission.js';

/** One student's line of the results. */
export interface GradeRow {
  student: string;
  result?: SubmissionResult;
  /** Why the submission was not (fully) checked: invalid, cut at the time limit, crashed. */
  error?: string;
  points: number;
  total: number;
}

export interface GradeOptions {
  jobs: number;
  timeLimitS: number;
  flavor?: Flavor;
  /** Students already graded, whose submissions are not checked again. */
  skip: Set<string>;
  signal?: AbortSignal;
  progress: Progress;
  /** The infra-lab command line that checks one submission (a child process each: a hang or crash of one cannot stop the batch). */
  checker: { node: string; script: string };
}

/** A child is ended this long after its time limit, if its own limit (and teardown) did not end it first. */
export const GRADE_GRACE_MS = 120_000;

/** The sub-folders of a grading folder, one per student, in name order. */
export function studentsOf(folder: string): string[] {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw usageError(`${folder}: not a folder of submissions (one sub-folder per student)`);
  const students = fs.readdirSync(folder, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  if (students.length === 0) throw usageError(`${folder} has no sub-folders; put each student's submission in a folder of its own`);
  return students;
}

/**
 * Checks each submission in a child process (`infra-lab check --json`), at most `jobs` at a time,
 * and records what became of it: its result, or why there is none. An invalid submission is
 * recorded without starting anything; one that outlives its time limit is ended, and whatever it
 * left in the engine is removed by its compose project's labels. Ctrl-C ends the children the same way.
 */
export async function gradeFolder(ctx: RunContext, exercise: Exercise, folder: string, options: GradeOptions, onRow: (row: GradeRow) => void): Promise<GradeRow[]> {
  const total = exercise.checks.reduce((n, c) => n + c.points, 0);
  const queue = studentsOf(folder).filter((s) => !options.skip.has(s));
  const rows: GradeRow[] = [];
  const running = new Set<ChildProcess>();
  const onAbort = () => running.forEach((child) => child.kill('SIGTERM'));
  options.signal?.addEventListener('abort', onAbort);
  const gradeOne = async (student: string): Promise<GradeRow> => {
    const dir = path.join(folder, student);
    let projectName: string;
    let checkHome: string;
    try {
      const submission = submissionAt(dir);
      const { lab } = validateSubmission(exercise, submission);
      checkHome = checkHomeOf(ctx.home, exercise, submission);
      projectName = projectNameOf(checkHome, lab.name);
    } catch (err) {
      if (!(err instanceof ExitError) || err.code !== ExitCode.usage) throw err;
      return { student, error: `invalid: ${err.message}`, points: 0, total };
    }
    options.progress({ kind: 'step', text: `${student}: checking` });
    const args = [options.checker.script, 'check', exercise.source, dir, '--json', '--time-limit', String(options.timeLimitS), ...(options.flavor ? ['--flavor', options.flavor] : [])];
    const child = spawn(options.checker.node, args, { env: { ...process.env, INFRA_LAB_HOME: ctx.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-4000)));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, options.timeLimitS * 1000 + GRADE_GRACE_MS);
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    clearTimeout(timer);
    running.delete(child);
    // Nothing of a submission stays behind, whatever became of its checker; what cannot be removed is said.
    const left = await downByLabels(ctx, projectName, { volumes: true }).then(
      () => '',
      (err: Error) => `; could not remove what it started (compose project ${projectName}): ${err.message.split('\n')[0]}`,
    );
    fs.rmSync(checkHome, { recursive: true, force: true });
    const lastError = stderr.trim().split('\n').filter((l) => l.startsWith('infra-lab:')).pop()?.replace(/^infra-lab: /, '');
    if (killed) return { student, error: `ended after ${options.timeLimitS + GRADE_GRACE_MS / 1000} s: its checks did not stop at the time limit${left}`, points: 0, total };
    let result: SubmissionResult | undefined;
    try {
      result = stdout.trim() ? (JSON.parse(stdout) as SubmissionResult) : undefined;
    } catch {
      result = undefined;
    }
    if (!result) return { student, error: `${lastError ?? `the check ended with exit code ${code} and no result`}${left}`, points: 0, total };
    const cut = result.checks.find((c) => /time limit|interrupted/.test(c.figure));
    const error = `${cut?.figure ?? ''}${left}`.replace(/^; /, '');
    return { student, result, points: result.points, total, ...(error ? { error } : {}) };
  };

  try {
    const workers = Array.from({ length: Math.min(options.jobs, queue.length) }, async () => {
      for (let student = queue.shift(); student !== undefined; student = queue.shift()) {
        if (options.signal?.aborted) return;
        const row = await gradeOne(student);
        rows.push(row);
        onRow(row);
      }
    });
    await Promise.all(workers);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return rows;
}

/** CSV columns: the student, each check's result and figure, points, total, error. */
export function csvHeader(exercise: Exercise): string[] {
  return ['student', ...exercise.checks.flatMap((c) => [c.id, `${c.id} figure`]), 'points', 'total', 'error'];
}

export function csvRow(exercise: Exercise, row: GradeRow): string[] {
  const byId = new Map(row.result?.checks.map((c) => [c.id, c]));
  return [
    row.student,
    ...exercise.checks.flatMap((c) => {
      const r = byId.get(c.id);
      return r ? [r.pass ? 'pass' : 'fail', r.figure] : ['', ''];
    }),
    String(row.points),
    String(row.total),
    row.error ?? '',
  ];
}

/**
 * One CSV line (RFC 4180). Text that students control is quoted, and a cell that a spreadsheet
 * would run as a formula (starting with =, +, -, @, tab or carriage return) is prefixed with '.
 */
export function csvLine(cells: string[]): string {
  return cells
    .map((cell) => {
      const safe = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
      return /[",\r\n']/.test(safe) || safe !== cell ? `"${safe.replace(/"/g, '""')}"` : safe;
    })
    .join(',');
}

/** The rows of a CSV file as cells (RFC 4180 quoting), with the formula guard of csvLine undone. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  const endCell = () => {
    row.push(wasQuoted && /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);
    cell = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = wasQuoted = true;
    else if (ch === ',') endCell();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endCell();
      rows.push(row);
      row = [];
    } else cell += ch;
  }
  if (cell || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}
