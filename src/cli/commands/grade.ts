import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, ExitError } from '../../errors.js';
import type { Flavor } from '../../render/flavors.js';
import type { RunContext } from '../../run/context.js';
import { cliEntry } from '../../paths.js';
import { writeFileAtomically } from '../../project/project.js';
import { resolveExercise, type Exercise } from '../../classroom/exercise.js';
import { csvHeader, csvLine, csvRow, gradeFolder, parseCsv, type GradeRow } from '../../classroom/grade.js';
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
  const csvFile = options.out ?? path.join(folder, 'results.csv');
  const previous = !options.force && fs.existsSync(csvFile) ? parseCsv(fs.readFileSync(csvFile, 'utf8')).slice(1) : [];
  const kept = new Map(previous.filter((cells) => cells[0]).map((cells) => [cells[0], cells]));
  const controller = new AbortController();
  const stopListening = onInterrupt((signal) => {
    output.progress(`${signalName(signal)}: ending the checks under way and taking their labs down…`);
    controller.abort();
  });
  const start = Date.now();
  const lines = new Map(kept);
  const save = () => {
    const header = csvHeader(exercise);
    writeFileAtomically(csvFile, [header, ...[...lines.keys()].sort().map((s) => lines.get(s)!)].map(csvLine).join('\n') + '\n');
    writeFileAtomically(csvFile.replace(/\.csv$/i, '') + '.md', summary(exercise, header, [...lines.values()]));
  };
  let rows: GradeRow[];
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
        // Saved after each student: an interrupted batch keeps what it has.
        lines.set(row.student, csvRow(exercise, row));
        save();
        output.progress(`✓ ${row.student}: ${row.points} of ${row.total} points${row.error ? ` (${row.error})` : ''}`);
      },
    );
  } finally {
    stopListening();
  }
  save();
  if (options.json) output.out(JSON.stringify({ exercise: exercise.id, csv: csvFile, graded: rows, skipped: [...kept.keys()] }, null, 2));
  else {
    for (const line of table(['STUDENT', 'POINTS', 'ERROR'], rows.map((r) => [r.student, `${r.points}/${r.total}`, r.error ?? '']))) output.out(line);
    if (kept.size) output.out(`${kept.size} already graded, skipped (--force checks them again): ${[...kept.keys()].join(', ')}`);
    output.out(`Results: ${csvFile} and ${csvFile.replace(/\.csv$/i, '')}.md (${seconds(Date.now() - start)})`);
  }
  if (controller.signal.aborted) throw new ExitError('interrupted; the checks under way were ended and their labs removed; the results so far are saved', ExitCode.failed);
}

/** The Markdown summary: a line per student, and how many passed each check. */
function summary(exercise: Exercise, header: string[], rows: string[][]): string {
  const col = (name: string) => header.indexOf(name);
  const sorted = [...rows].sort((a, b) => a[0].localeCompare(b[0]));
  const cell = (s: string) => s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
  const lines = [`# ${cell(exercise.title)}: results`, '', `Exercise ${exercise.id}, ${rows.length} submission(s).`, '', '| Student | Points | Checks passed | Error |', '| --- | --- | --- | --- |'];
  for (const r of sorted) {
    const passed = exercise.checks.filter((c) => r[col(c.id)] === 'pass').length;
    lines.push(`| ${cell(r[0])} | ${r[col('points')]}/${r[col('total')]} | ${passed}/${exercise.checks.length} | ${cell(r[col('error')] ?? '')} |`);
  }
  lines.push('', '| Check | Passed |', '| --- | --- |');
  for (const c of exercise.checks) lines.push(`| ${cell(c.title)} | ${sorted.filter((r) => r[col(c.id)] === 'pass').length}/${rows.length} |`);
  return `${lines.join('\n')}\n`;
}
