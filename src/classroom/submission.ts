import fs from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import type { Lab } from '../lab/model.js';
import { loadLabFile } from '../lab/load.js';
import { loadYamlFile, type DocumentKind } from '../lab/yaml-document.js';
import { packageRoot } from '../paths.js';
import type { Exercise } from './exercise.js';

/** The files `exercise start` writes into a student's folder, and `check` reads back. */
export const SUBMISSION_FILES = { task: 'TASK.md', lab: 'lab.yaml', answers: 'answers.yaml', exercise: '.infra-lab-exercise' } as const;

/** What a student hands in: a lab file, and an answers file where the exercise has one. */
export interface Submission {
  /** The folder (or, for a lab file given alone, the folder it is in). */
  dir: string;
  labFile: string;
  answersFile?: string;
}

/** A student's predictions: for each component, whether its loss stops the site and for how long. */
export interface Answers {
  components: Record<string, { spof: boolean; outage_s?: number }>;
}

export const ANSWERS_FILE: DocumentKind = {
  noun: 'answers file',
  whole: 'the answers',
  shape: 'an answers file is a YAML mapping with components: each component named, with spof: true or false (and outage_s for a single point of failure)',
  schema: path.join(packageRoot, 'schema', 'answers.schema.json'),
};

/** A submission named by its folder (holding lab.yaml) or by its lab file. */
export function submissionAt(ref: string): Submission {
  const stat = fs.statSync(ref, { throwIfNoEntry: false });
  if (!stat) throw usageError(`${ref}: no such folder or lab file`);
  if (stat.isDirectory()) {
    const labFile = path.join(ref, SUBMISSION_FILES.lab);
    if (!fs.existsSync(labFile)) throw usageError(`${ref}: the folder has no ${SUBMISSION_FILES.lab}; infra-lab exercise start <id> ${ref} writes one to start from`);
    const answersFile = path.join(ref, SUBMISSION_FILES.answers);
    return { dir: path.resolve(ref), labFile, answersFile: fs.existsSync(answersFile) ? answersFile : undefined };
  }
  return { dir: path.resolve(path.dirname(ref)), labFile: ref };
}

/** The exercise a folder was started for (exercise start records it), if any. */
export function exerciseOfFolder(dir: string): string | undefined {
  const file = path.join(dir, SUBMISSION_FILES.exercise);
  if (!fs.existsSync(file)) return undefined;
  const id = fs.readFileSync(file, 'utf8').trim();
  return /^[a-z][a-z0-9-]{0,40}[a-z0-9]$/.test(id) ? id : undefined;
}

/**
 * Reads and validates a submission before anything runs: the lab file as every lab file is
 * validated, then the exercise's rules, then the answers file where the exercise needs one.
 * Anything wrong is a usage error (exit 2) with one line naming the file.
 */
export function validateSubmission(exercise: Exercise, submission: Submission): { lab: Lab; answers?: Answers } {
  const lab = loadLabFile(submission.labFile);
  const { domain, maxContainers } = exercise.rules;
  if (domain && lab.domain !== domain) throw usageError(`${lab.source}: the lab's domain is ${lab.domain}; this exercise keeps it ${domain}`);
  const containers = lab.components.reduce((n, c) => n + c.maxReplicas, 0);
  if (containers > maxContainers)
    throw usageError(`${lab.source}: the lab runs up to ${containers} containers (replicas counted at max_replicas); this exercise allows at most ${maxContainers}`);
  if (!exercise.checks.some((c) => c.kind === 'prediction')) return { lab };
  if (!submission.answersFile) throw usageError(`${submission.dir}: this exercise needs the answers file ${SUBMISSION_FILES.answers} beside the lab file`);
  const answers = loadYamlFile(submission.answersFile, ANSWERS_FILE).data as Answers;
  const unknown = Object.keys(answers.components).filter((name) => !lab.components.some((c) => c.name === name));
  if (unknown.length) throw usageError(`${submission.answersFile}: the lab has no component ${unknown.join(', ')}; its components: ${lab.components.map((c) => c.name).join(', ')}`);
  return { lab, answers };
}
