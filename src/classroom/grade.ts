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
import { entriesOf, readTextInside, type FolderEntry } from '../fs/safe-file.js';
import { visible, visibleBytes } from '../text/visible.js';

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

/**
 * One student of a grading folder: a sub-folder to check, or an entry that cannot be one, with why.
 * `name` is how the results name it (visibleBytes of what the file system holds).
 */
export interface Student {
  name: string;
  dir?: string;
  problem?: string;
}

/** What an entry of a grading folder is as a student, in name order; hidden entries and plain files (results.csv) are not students. */
function studentOf(folder: string, e: FolderEntry): Student | undefined {
  if (e.bytes[0] === 0x2e) return undefined;
  const name = visibleBytes(e.bytes);
  if (e.name === undefined)
    return e.kind === 'folder' || e.kind === 'link' ? { name, problem: 'the folder\'s name is not UTF-8 text (its bytes are shown as \\x{..}); not checked: rename the folder' } : undefined;
  if (e.kind === 'link') {
    let target = '?';
    try {
      target = fs.readlinkSync(path.join(folder, e.name));
    } catch {
      // The link went away meanwhile: it is still named.
    }
    return { name, problem: `a symbolic link (to ${visible(target)}), not a folder; not checked: put the submission itself in the folder` };
  }
  if (e.kind !== 'folder') return undefined;
  // A name with control or direction characters is checked like any other, and shown escaped everywhere.
  return { name, dir: path.join(folder, e.name) };
}

/** The students of a grading folder, one per sub-folder, in name order; links and names that cannot be shown as they are come with their problem. */
export function studentsOf(folder: string): Student[] {
  if (folder === '' || !fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
    throw usageError(`${visible(folder)}: not a folder of submissions (one sub-folder per student)`);
  const students = entriesOf(folder)
    .map((e) => studentOf(folder, e))
    .filter((s): s is Student => !!s)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (students.length === 0) throw usageError(`${visible(folder)} has no sub-folders; put each student's submission in a folder of its own`);
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
  const queue = studentsOf(folder).filter((s) => !options.skip.has(s.name));
  const rows: GradeRow[] = [];
  const running = new Set<ChildProcess>();
  const onAbort = () => running.forEach((child) => child.kill('SIGTERM'));
  options.signal?.addEventListener('abort', onAbort);
  const gradeOne = async ({ name: student, dir, problem }: Student): Promise<GradeRow> => {
    if (!dir) return { student, error: `invalid: ${problem}`, points: 0, total };
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
    options.progress({ kind: 'step', text: `${visible(student)}: checking` });
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
    const lastError = visible(stderr.trim().split('\n').filter((l) => l.startsWith('infra-lab:')).pop()?.replace(/^infra-lab: /, '') ?? '') || undefined;
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

/** A student's line, every cell as visible() shows it: no control or direction character reaches the spreadsheet. */
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
  ].map(visible);
}

/**
 * What a spreadsheet may take for the start of a formula: =, +, -, @ (and their fullwidth forms,
 * which some locales read the same), any leading white space (tab, carriage return, space: some
 * trim it first), and the guard's own apostrophe, so that a cell that starts with one reads back as written.
 */
const FORMULA_START = /^[\s'=+\-@\uff1d\uff0b\uff0d\uff20]/u;

/**
 * One CSV line (RFC 4180). Text that students control is quoted, and a cell that a spreadsheet
 * would run as a formula (see FORMULA_START) is prefixed with '.
 */
export function csvLine(cells: string[]): string {
  return cells
    .map((cell) => {
      const safe = FORMULA_START.test(cell) ? `'${cell}` : cell;
      return /[",\r\n']/.test(safe) || safe !== cell ? `"${safe.replace(/"/g, '""')}"` : safe;
    })
    .join(',');
}

/** A CSV that is not one infra-lab wrote: where, and what is wrong. */
export class CsvProblem extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/** The rows of a CSV file as cells (RFC 4180 quoting), with the formula guard of csvLine undone; a CsvProblem where the text is not RFC 4180. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let quoteLine = 1;
  const endCell = () => {
    row.push(wasQuoted && cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell);
    cell = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
        const next = text[i + 1];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new CsvProblem(line, 'text after the closing quote of a cell');
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"') {
      if (cell !== '') throw new CsvProblem(line, 'a quote inside a cell that does not start with one');
      quoted = wasQuoted = true;
      quoteLine = line;
    } else if (ch === ',') endCell();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endCell();
      rows.push(row);
      row = [];
      line++;
    } else cell += ch;
  }
  if (quoted) throw new CsvProblem(quoteLine, 'a quoted cell that never ends');
  if (cell || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}

/** The most a results CSV may hold: 10,000 students of a long exercise fit in a few MiB. */
export const MAX_RESULTS_BYTES = 64 * 1024 * 1024;

/**
 * The results an earlier run of grade wrote for this very exercise, by student, read through the
 * safe reader. Anything else at the path is refused (exit 2) and left as it is: a CSV of another
 * exercise (its cells would land under the wrong columns), a malformed one (a half row would be an
 * "already graded" student), any other file (--out /etc/passwd).
 */
export function readResults(file: string, exercise: Exercise): Map<string, string[]> {
  const shown = visible(file);
  const text = readTextInside(path.dirname(path.resolve(file)), path.resolve(file), { maxBytes: MAX_RESULTS_BYTES, noun: 'results CSV', shown: file });
  if (text === undefined || text === '') return new Map();
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (err) {
    if (!(err instanceof CsvProblem)) throw err;
    throw usageError(`${shown}:${err.line}: not a results CSV of infra-lab grade (${err.problem}); nothing was graded: choose another --out, or move the file away`);
  }
  const header = csvHeader(exercise);
  const got = rows[0] ?? [];
  if (got.join('\u0000') !== header.join('\u0000')) {
    const ours = got[0] === 'student' && got.slice(-3).join(',') === 'points,total,error';
    throw usageError(
      ours
        ? `${shown}:1: holds the results of another exercise (its checks: ${visible(got.slice(1, -3).filter((_, i) => i % 2 === 0).join(', ') || 'none')}; ${exercise.id}'s: ${exercise.checks.map((c) => c.id).join(', ')}); nothing was graded: choose another --out`
        : `${shown}:1: is not a results CSV of infra-lab grade (its first line is not student, the checks, points, total, error); nothing was graded: choose another --out, or move the file away`,
    );
  }
  const byStudent = new Map<string, string[]>();
  rows.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.length === 1 && cells[0] === '') return;
    if (cells.length !== header.length) throw usageError(`${shown}:${line}: has ${cells.length} cells where the header has ${header.length}; nothing was graded: mend the line or choose another --out`);
    if (cells[0] === '') throw usageError(`${shown}:${line}: names no student; nothing was graded: mend the line or choose another --out`);
    if (byStudent.has(cells[0])) throw usageError(`${shown}:${line}: the student ${visible(cells[0])} is there twice; nothing was graded: mend the file or choose another --out`);
    byStudent.set(cells[0], cells);
  });
  return byStudent;
}
