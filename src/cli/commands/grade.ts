import path from 'node:path';
import { ExitCode, ExitError, failure, usageError } from '../../errors.js';
import type { Flavor } from '../../render/flavors.js';
import type { RunContext } from '../../run/context.js';
import { cliEntry } from '../../paths.js';
import { checkWritableFile, openAppender, readInside, writeSafely, type Appender } from '../../fs/safe-file.js';
import { visible } from '../../text/visible.js';
import { resolveExercise, type Exercise } from '../../classroom/exercise.js';
import { csvHeader, csvLine, csvRow, gradeFolder, MAX_RESULTS_BYTES, readResults, studentsOf, type GradeRow } from '../../classroom/grade.js';
import { progressPrinter } from '../progress.js';
import { onInterrupt, signalName } from '../on-interrupt.js';
import { seconds, table, type Output } from '../output.js';

export interface GradeCommandOptions {
  out?: string;
  jobs: number;
  timeLimit?: number;
  force?: boolean;
  flavor?: Flavor;
  json?: boolean;
  verbose?: boolean;
}

/**
 * `infra-lab grade <exercise> <folder>`: check each sub-folder's submission and write the results
 * as CSV (one line per student) and a Markdown summary beside it. Students the CSV already has are
 * skipped unless --force. Ctrl-C ends the checks under way, takes their labs down, and keeps the
 * results so far.
 */
export async function gradeCommand(ref: string, folder: string, options: GradeCommandOptions, context: () => Promise<RunContext>, output: Output): Promise<void> {
  const exercise = resolveExercise(ref);
  if (options.out === '') throw usageError('--out: the path is empty; give the CSV file to write');
  studentsOf(folder);
  const csvFile = options.out ?? path.join(folder, 'results.csv');
  const mdFile = markdownFileOf(csvFile);
  // Both files are checked before anything is graded: a folder, a device, a link or a file that is not this exercise's results stops the batch at once.
  checkWritableFile(csvFile, 'results CSV');
  checkWritableFile(mdFile, 'results summary');
  checkSummaryIsOurs(mdFile);
  const previous = readResults(csvFile, exercise);
  const kept = options.force ? new Map<string, string[]>() : previous;
  const controller = new AbortController();
  const stopListening = onInterrupt((signal) => {
    output.progress(`${signalName(signal)}: ending the checks under way and taking their labs down…`);
    controller.abort();
  });
  const start = Date.now();
  const header = csvHeader(exercise);
  const lines = new Map(kept);
  const sorted = () => [...lines.keys()].sort().map((s) => lines.get(s)!);
  // The CSV is written whole twice, at the start and at the end (or on Ctrl-C); in between each student's line is
  // appended as it comes, so that a batch cut short keeps what it has and 10,000 students cost 10,000 lines, not 10,000 files.
  writeSafely(csvFile, [header, ...sorted()].map(csvLine).join('\n') + '\n', { noun: 'results CSV' });
  let appender: Appender | undefined = openAppender(csvFile, 'results CSV');
  let rows: GradeRow[] = [];
  try {
    rows = await gradeFolder(
      await context(),
      exercise,
      folder,
      {
        jobs: options.jobs,
        timeLimitS: options.timeLimit ?? exercise.timeLimitS,
        flavor: options.flavor,
        skip: new Set(kept.keys()),
        signal: controller.signal,
        progress: progressPrinter(output, !!options.verbose),
        checker: { node: process.execPath, script: cliEntry },
      },
      (row) => {
        const cells = csvRow(exercise, row);
        lines.set(cells[0], cells);
        appender?.append(`${csvLine(cells)}\n`);
        output.progress(`✓ ${cells[0]}: ${row.points} of ${row.total} points${row.error ? ` (${visible(row.error)})` : ''}`);
      },
    );
  } finally {
    stopListening();
    appender?.close();
    appender = undefined;
    const all = sorted();
    writeSafely(csvFile, [header, ...all].map(csvLine).join('\n') + '\n', { noun: 'results CSV' });
    writeSafely(mdFile, summary(exercise, header, all), { noun: 'results summary' });
    readBack(csvFile, exercise, all);
  }
  if (options.json) output.out(JSON.stringify({ exercise: exercise.id, csv: csvFile, graded: rows.map((r) => ({ ...r, student: visible(r.student) })), skipped: [...kept.keys()] }, null, 2));
  else {
    for (const line of table(['STUDENT', 'POINTS', 'ERROR'], rows.map((r) => [visible(r.student), `${r.points}/${r.total}`, visible(r.error ?? '')]))) output.out(line);
    if (kept.size) output.out(`${kept.size} already graded, skipped (--force checks them again): ${[...kept.keys()].map(visible).join(', ')}`);
    output.out(`Results: ${visible(csvFile)} and ${visible(mdFile)} (${seconds(Date.now() - start)})`);
  }
  if (controller.signal.aborted) throw new ExitError('interrupted; the checks under way were ended and their labs removed; the results so far are saved', ExitCode.failed);
}

/** The Markdown summary beside the CSV: results.csv gives results.md. */
export const markdownFileOf = (csvFile: string) => `${csvFile.replace(/\.csv$/i, '')}.md`;

/** The first line of the summary: it says what wrote it, and lets a later run know the file is its own to replace. */
const SUMMARY_MARK = '<!-- Written by infra-lab grade:';

/** An existing summary is replaced only if grade wrote it (the first line says so, or the title of earlier versions). */
function checkSummaryIsOurs(mdFile: string): void {
  const head = readInside(path.dirname(path.resolve(mdFile)), path.resolve(mdFile), { maxBytes: MAX_RESULTS_BYTES, noun: 'results summary', shown: mdFile });
  if (head === undefined || head.length === 0) return;
  const first = head.subarray(0, 200).toString('utf8').split('\n')[0];
  if (!first.startsWith(SUMMARY_MARK) && !/^# .*: results$/.test(first))
    throw usageError(`${visible(mdFile)}: exists and was not written by infra-lab grade; nothing was graded: choose another --out, or move the file away`);
}

/** What was written must read back as the very cells that were meant: otherwise a later run would skip or grade the wrong students. */
function readBack(csvFile: string, exercise: Exercise, rows: string[][]): void {
  const back = readResults(csvFile, exercise);
  const wrong = rows.find((cells) => back.get(cells[0])?.join('\u0000') !== cells.join('\u0000'));
  if (wrong || back.size !== rows.length)
    throw failure(`${visible(csvFile)} does not read back as it was written${wrong ? ` (the line of ${visible(wrong[0])})` : ''}; please report this as a bug of infra-lab`);
}

/** The Markdown summary: a line per student, and how many passed each check. */
function summary(exercise: Exercise, header: string[], rows: string[][]): string {
  const col = (name: string) => header.indexOf(name);
  const sorted = [...rows].sort((a, b) => a[0].localeCompare(b[0]));
  const cell = (s: string) => visible(s).replace(/[|\\`*_<>[\]#&!~]/g, (c) => `\\${c}`);
  const lines = [`${SUMMARY_MARK} the results of exercise ${exercise.id}, replaced at each run. -->`, `# ${cell(exercise.title)}: results`, '', `Exercise ${exercise.id}, ${rows.length} submission(s).`, '', '| Student | Points | Checks passed | Error |', '| --- | --- | --- | --- |'];
  for (const r of sorted) {
    const passed = exercise.checks.filter((c) => r[col(c.id)] === 'pass').length;
    lines.push(`| ${cell(r[0])} | ${r[col('points')]}/${r[col('total')]} | ${passed}/${exercise.checks.length} | ${cell(r[col('error')] ?? '')} |`);
  }
  lines.push('', '| Check | Passed |', '| --- | --- |');
  for (const c of exercise.checks) lines.push(`| ${cell(c.title)} | ${sorted.filter((r) => r[col(c.id)] === 'pass').length}/${rows.length} |`);
  return `${lines.join('\n')}\n`;
}
