import fs from 'node:fs';
import path from 'node:path';
import { usageError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
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
  for (const line of table(['EXERCISE', 'STAGE', 'CHECKS', 'POINTS', 'TITLE'], all.map((e) => [e.id, String(e.stage), String(e.checks.length), String(total(e)), e.title]))) output.out(line);
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
  for (const line of taskText(e).split('\n')) output.out(line);
}

/**
 * `infra-lab exercise start <id> [DIR]`: the task, the lab to start from and the answers file
 * (where the exercise has one) in a folder of the student's. Nothing there is overwritten: a file
 * that exists already is the student's work.
 */
export async function exerciseStartCommand(ref: string, dir: string | undefined, options: { json?: boolean }, output: Output): Promise<void> {
  const e = resolveExercise(ref);
  const folder = dir ?? e.id;
  const files: [string, string][] = [
    [SUBMISSION_FILES.task, taskText(e)],
    [SUBMISSION_FILES.lab, withSchema(fs.readFileSync(startLabFile(e), 'utf8'), 'lab')],
    ...(e.answers !== undefined ? [[SUBMISSION_FILES.answers, withSchema(e.answers, 'answers')] as [string, string]] : []),
    [SUBMISSION_FILES.exercise, `${e.id}\n`],
  ];
  if (fs.existsSync(folder) && !fs.statSync(folder).isDirectory()) throw usageError(`${folder} is a file; give a folder for the exercise`);
  const there = files.filter(([name]) => fs.existsSync(path.join(folder, name))).map(([name]) => name);
  if (there.length) throw usageError(`${folder} already has ${there.join(', ')}; nothing was written (that may be your work: choose another folder, or move them away)`);
  fs.mkdirSync(folder, { recursive: true });
  // 'wx': a file that appeared meanwhile is not overwritten either.
  for (const [name, content] of files) fs.writeFileSync(path.join(folder, name), content, { flag: 'wx' });
  if (options.json) {
    output.out(JSON.stringify({ exercise: e.id, folder: path.resolve(folder), files: files.map(([name]) => name) }, null, 2));
    return;
  }
  output.out(`${e.title}: the task is in ${path.join(folder, SUBMISSION_FILES.task)}, your lab starts as ${path.join(folder, SUBMISSION_FILES.lab)}${e.answers !== undefined ? `, your answers go in ${path.join(folder, SUBMISSION_FILES.answers)}` : ''}.`);
  output.out(`Check your work at any time: infra-lab check ${folder}`);
}

/** A file handed out starts with the editor's schema line, pointing at the installed package's schema wherever the copy goes. */
function withSchema(text: string, schema: 'lab' | 'answers'): string {
  const line = `# yaml-language-server: $schema=${path.join(packageRoot, 'schema', `${schema}.schema.json`)}`;
  return /^# yaml-language-server: \$schema=\S+$/m.test(text) ? text.replace(/^# yaml-language-server: \$schema=\S+$/m, line) : `${line}\n${text}`;
}

const total = (e: Exercise) => e.checks.reduce((n, c) => n + c.points, 0);

/** TASK.md: the task, then what is checked and for how many points. */
export function taskText(e: Exercise): string {
  const lines = [`# ${e.title}`, '', `Stage ${e.stage} · exercise ${e.id} · ${total(e)} points`, '', e.task, '', '## How it is checked', ''];
  lines.push(`\`infra-lab check\` brings your lab up under a name of its own, runs these checks on it live, and takes it down again (at most ${e.timeLimitS} s in all):`, '');
  for (const c of e.checks) lines.push(`- **${c.title}** (${c.points} point${c.points === 1 ? '' : 's'})`);
  if (e.rules.domain) lines.push('', `The lab's domain stays ${e.rules.domain}.`);
  lines.push(`A lab may run at most ${e.rules.maxContainers} containers.`);
  return `${lines.join('\n')}\n`;
}
