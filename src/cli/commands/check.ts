import fs from 'node:fs';
import { ExitCode, ExitError, usageError } from '../../errors.js';
import type { Flavor } from '../../render/flavors.js';
import type { RunContext } from '../../run/context.js';
import { resolveExercise } from '../../classroom/exercise.js';
import { checkSubmission, type SubmissionResult } from '../../classroom/run-check.js';
import { exerciseOfFolder, submissionAt } from '../../classroom/submission.js';
import { progressPrinter } from '../progress.js';
import { onInterrupt, signalName } from '../on-interrupt.js';
import { seconds, type Output } from '../output.js';
import { visible } from '../../text/visible.js';

export interface CheckCommandOptions {
  flavor?: Flavor;
  timeLimit?: number;
  json?: boolean;
  verbose?: boolean;
}

/**
 * `infra-lab check [<exercise>] [DIR|lab file]`: check a submission live. Exit 0 when every check
 * passes, 1 when one fails, 2 for an invalid submission. Ctrl-C stops the checks and takes the lab down.
 */
export async function checkCommand(args: string[], options: CheckCommandOptions, context: () => Promise<RunContext>, output: Output): Promise<void> {
  const { exerciseRef, target } = parseCheckArgs(args);
  const submission = submissionAt(target);
  const id = exerciseRef ?? exerciseOfFolder(submission.dir);
  if (!id) throw usageError(`which exercise? ${visible(target)} was not started with infra-lab exercise start; name it: infra-lab check <exercise> ${visible(target)}`);
  const exercise = resolveExercise(id);
  const controller = new AbortController();
  const stopListening = onInterrupt((signal, count) => {
    output.progress(count === 1 ? `${signalName(signal)}: stopping the checks and taking the lab down…` : `${signalName(signal)}: still taking the lab down; a moment…`);
    controller.abort();
  });
  let result: SubmissionResult;
  try {
    result = await checkSubmission(await context(), exercise, submission, { flavor: options.flavor, timeLimitS: options.timeLimit, signal: controller.signal, progress: progressPrinter(output, !!options.verbose) });
  } finally {
    stopListening();
  }
  if (options.json) output.out(JSON.stringify(result, null, 2));
  else for (const line of resultLines(result)) output.out(line);
  if (controller.signal.aborted) throw new ExitError('interrupted; the lab was taken down', ExitCode.failed);
  if (!result.passed) throw new ExitError(`${result.checks.filter((c) => !c.pass).length} of ${result.checks.length} checks failed`, ExitCode.failed);
}

/** [exercise] [target]: one argument is the target when it names a file or folder, else the exercise. */
export function parseCheckArgs(args: string[]): { exerciseRef?: string; target: string } {
  if (args.length > 2) throw usageError(`check takes an exercise and a folder or lab file; got ${args.length} arguments`);
  if (args.length === 2) return { exerciseRef: args[0], target: args[1] };
  if (args.length === 1 && args[0] !== '' && !fs.existsSync(args[0]) && !fs.lstatSync(args[0], { throwIfNoEntry: false })) return { exerciseRef: args[0], target: '.' };
  return { target: args[0] ?? '.' };
}

/** What the terminal shows of a result; every name and figure through visible(): the folder's name is the student's, the figures name the lab's parts. */
export function resultLines(r: SubmissionResult): string[] {
  const lines = [`${r.exercise}: ${visible(r.submission)} (lab ${visible(r.lab)})`];
  for (const c of r.checks) {
    lines.push(visible(`${c.pass ? 'PASS' : 'FAIL'}  ${c.id}: ${c.figure}${c.target ? ` (target: ${c.target})` : ''} [${c.earned}/${c.points}]`));
    if (c.hint) for (const [i, line] of c.hint.split('\n').entries()) lines.push(`      ${i === 0 ? 'hint: ' : '      '}${visible(line)}`);
  }
  lines.push(`${r.points} of ${r.total} points; ${r.checks.filter((c) => c.pass).length} of ${r.checks.length} checks passed in ${seconds(r.ms.all)} (up ${seconds(r.ms.up)}, checks ${seconds(r.ms.checks)}, teardown ${seconds(r.ms.teardown)})`);
  return lines;
}
