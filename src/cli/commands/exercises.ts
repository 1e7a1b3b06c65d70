import fs from 'node:fs';
import path from 'node:path';
import { ExitError, usageError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import { MAX_YAML_FILE_BYTES } from '../../lab/yaml-document.js';
import { checkWritableFolder, createNewFile, entryKind, makeFolder, readTextInside } from '../../fs/safe-file.js';
import { visible } from '../../text/visible.js';
import { builtinExercises, resolveExercise, startLabFile, type Exercise } from '../../classroom/exercise.js';
import { SUBMISSION_FILES } from '../../classroom/submission.js';
import type { Output } from '../output.js';
import { table } from '../output.js';

/** `infra-lab exercises`: the built-in classroom exercises. */
export async function exercisesCommand(options: { json?: boolean }, output: Output): Promise<void> {
  const all = builtinExercises();
  if (options.json) {
    output.out(JSON.stringify(all.map((e) => ({ id: e.id, stage: e.stage, title: e.title, start: e.start, checks: e.checks.map((c) => c.id), points: total(e) })), null, 2));
    return;
  }
  for (const line of table(['EXERCISE', 'STAGE', 'CHECKS', 'POINTS', 'TITLE'], all.map((e) => [e.id, String(e.stage), String(e.checks.length), String(total(e)), visible(e.title)]))) output.out(line);
  output.out();
  output.out('The task: infra-lab exercise show <id>. Start it: infra-lab exercise start <id> [DIR]. Check it: infra-lab check DIR.');
}

/** `infra-lab exercise show <id>`: the task and how it is checked. */
export async function exerciseShowCommand(ref: string, options: { json?: boolean }, output: Output): Promise<void> {
  const e = resolveExercise(ref);
  if (options.json) {
    output.out(JSON.stringify(e, null, 2));
    return;
  }
  for (const line of taskText(e).split('\n')) output.out(visible(line));
}

/**
 * `infra-lab exercise start <id> [DIR]`: the task, the lab to start from and the answers file
 * (where the exercise has one) in a folder of the student's. Nothing there is overwritten: a file
 * that exists already is the student's work.
 */
export async function exerciseStartCommand(ref: string, dir: string | undefined, options: { json?: boolean }, output: Output): Promise<void> {
  const e = resolveExercise(ref);
  const folder = dir ?? e.id;
  if (folder === '') throw usageError('the folder is empty; give a folder for the exercise, or none for ./' + e.id);
  checkWritableFolder(folder, 'the exercise\'s folder', 'create');
  const startLab = startLabFile(e);
  const labText = readTextInside(path.dirname(startLab), startLab, { maxBytes: MAX_YAML_FILE_BYTES, noun: 'start lab' });
  if (labText === undefined) throw usageError(`${visible(e.source)}: its start lab ${visible(e.start)} does not exist (${visible(startLab)})`);
  const files: [string, string][] = [
    [SUBMISSION_FILES.task, taskText(e)],
    [SUBMISSION_FILES.lab, withSchema(labText, 'lab')],
    ...(e.answers !== undefined ? [[SUBMISSION_FILES.answers, withSchema(e.answers, 'answers')] as [string, string]] : []),
    [SUBMISSION_FILES.exercise, `${e.id}\n`],
  ];
  // Looked at without following links: a link where a file would go (even one pointing nowhere) is there, and is not written through.
  const there = files.filter(([name]) => entryKind(path.join(folder, name)) !== undefined).map(([name]) => name);
  if (there.length) throw usageError(`${visible(folder)} already has ${there.join(', ')}; nothing was written (that may be your work: choose another folder, or move them away)`);
  makeFolder(folder, 'the exercise\'s folder');
  // Each file created exclusively; if one cannot be, those written before it are removed again: all or nothing.
  const written: string[] = [];
  try {
    for (const [name, content] of files) {
      createNewFile(path.join(folder, name), content, { noun: name });
      written.push(path.join(folder, name));
    }
  } catch (err) {
    for (const file of written) fs.rmSync(file, { force: true });
    if (err instanceof ExitError) throw new ExitError(`${err.message}; nothing was written`, err.code);
    throw err;
  }
  if (options.json) {
    output.out(JSON.stringify({ exercise: e.id, folder: path.resolve(folder), files: files.map(([name]) => name) }, null, 2));
    return;
  }
  output.out(`${visible(e.title)}: the task is in ${visible(path.join(folder, SUBMISSION_FILES.task))}, your lab starts as ${visible(path.join(folder, SUBMISSION_FILES.lab))}${e.answers !== undefined ? `, your answers go in ${visible(path.join(folder, SUBMISSION_FILES.answers))}` : ''}.`);
  output.out(`Check your work at any time: infra-lab check ${visible(folder)}`);
}

/** A file handed out starts with the editor's schema line, pointing at the installed package's schema wherever the copy goes. */
function withSchema(text: string, schema: 'lab' | 'answers'): string {
  const line = `# yaml-language-server: $schema=${path.join(packageRoot, 'schema', `${schema}.schema.json`)}`;
  return /^# yaml-language-server: \$schema=\S+$/m.test(text) ? text.replace(/^# yaml-language-server: \$schema=\S+$/m, line) : `${line}\n${text}`;
}

const total = (e: Exercise) => e.checks.reduce((n, c) => n + c.points, 0);

/** TASK.md: the task, then what is checked and for how many points. */
export function taskText(e: Exercise): string {
  // The task keeps its line breaks; every other character an exercise file chose is shown as visible() shows it.
  const lines = [`# ${visible(e.title)}`, '', `Stage ${e.stage} · exercise ${e.id} · ${total(e)} points`, '', e.task.split('\n').map(visible).join('\n'), '', '## How it is checked', ''];
  lines.push(`\`infra-lab check\` brings your lab up under a name of its own, runs these checks on it live, and takes it down again (at most ${e.timeLimitS} s in all):`, '');
  for (const c of e.checks) lines.push(`- **${visible(c.title)}** (${c.points} point${c.points === 1 ? '' : 's'})`);
  if (e.rules.domain) lines.push('', `The lab's domain stays ${visible(e.rules.domain)}.`);
  lines.push(`A lab may run at most ${e.rules.maxContainers} containers.`);
  return `${lines.join('\n')}\n`;
}
