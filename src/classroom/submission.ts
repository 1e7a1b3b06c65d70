import fs from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import type { Lab } from '../lab/model.js';
import { LAB_FILE, parseLab } from '../lab/load.js';
import { decodeText, MAX_YAML_FILE_BYTES, parseYamlDocument, shownPath, type DocumentKind } from '../lab/yaml-document.js';
import { entryKind, readInside, readTextInside } from '../fs/safe-file.js';
import { visible } from '../text/visible.js';
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

/**
 * A submission named by its folder (holding lab.yaml) or by its lab file. The folder is the
 * student's: what is in it is looked at without following links (see readSubmissionFile).
 */
export function submissionAt(ref: string): Submission {
  if (ref === '') throw usageError('the submission\'s path is empty; give a folder holding lab.yaml, or a lab file');
  // The path itself is the teacher's to give (a link the teacher made is followed); what lies in it is the student's.
  const stat = fs.statSync(ref, { throwIfNoEntry: false });
  if (!stat) throw usageError(`${visible(ref)}: no such folder or lab file`);
  if (stat.isDirectory()) {
    const labFile = path.join(ref, SUBMISSION_FILES.lab);
    if (!entryKind(labFile)) throw usageError(`${visible(ref)}: the folder has no ${SUBMISSION_FILES.lab}; infra-lab exercise start <id> ${visible(ref)} writes one to start from`);
    const answersFile = path.join(ref, SUBMISSION_FILES.answers);
    return { dir: path.resolve(ref), labFile, answersFile: entryKind(answersFile) ? answersFile : undefined };
  }
  return { dir: path.resolve(path.dirname(ref)), labFile: ref };
}

/** The most a .infra-lab-exercise file holds: an exercise id and a line break. */
const MAX_EXERCISE_MARKER_BYTES = 256;

/** The exercise a folder was started for (exercise start records it), if any. A marker that is a link out, a FIFO or a device is refused. */
export function exerciseOfFolder(dir: string): string | undefined {
  const file = path.join(dir, SUBMISSION_FILES.exercise);
  const text = readTextInside(dir, file, { maxBytes: MAX_EXERCISE_MARKER_BYTES, noun: 'exercise marker', shown: shownPath(file) });
  if (text === undefined) return undefined;
  const id = text.trim();
  return /^[a-z][a-z0-9-]{0,40}[a-z0-9]$/.test(id) ? id : undefined;
}

/** A YAML file of a submission, read through the safe reader (inside the submission's folder, an ordinary file, size checked) and validated as its kind. */
function readSubmissionFile(submission: Submission, file: string, kind: DocumentKind): { data: unknown; text: string; shown: string } {
  const shown = shownPath(file);
  const bytes = readInside(submission.dir, file, { maxBytes: MAX_YAML_FILE_BYTES, noun: kind.noun, shown });
  if (bytes === undefined) throw usageError(`${visible(shown)}: ${kind.noun} not found`);
  const text = decodeText(bytes, kind, visible(shown));
  return { data: parseYamlDocument(text, shown, kind), text, shown };
}

/** The lab file of a submission, read as readSubmissionFile reads. */
export function readSubmissionLab(submission: Submission): Lab {
  const shown = shownPath(submission.labFile);
  const bytes = readInside(submission.dir, submission.labFile, { maxBytes: MAX_YAML_FILE_BYTES, noun: LAB_FILE.noun, shown });
  if (bytes === undefined) throw usageError(`${visible(shown)}: ${LAB_FILE.noun} not found`);
  return parseLab(decodeText(bytes, LAB_FILE, visible(shown)), shown);
}

/**
 * Reads and validates a submission before anything runs: the lab file as every lab file is
 * validated, then the exercise's rules, then the answers file where the exercise needs one.
 * Anything wrong is a usage error (exit 2) with one line naming the file.
 */
export function validateSubmission(exercise: Exercise, submission: Submission): { lab: Lab; answers?: Answers } {
  const lab = readSubmissionLab(submission);
  const { domain, maxContainers } = exercise.rules;
  if (domain && lab.domain.toLowerCase().replace(/\.$/, '') !== domain.toLowerCase().replace(/\.$/, ''))
    throw usageError(`${visible(lab.source)}: the lab's domain is ${visible(lab.domain)}; this exercise keeps it ${visible(domain)}`);
  const containers = lab.components.reduce((n, c) => n + c.maxReplicas, 0);
  if (containers > maxContainers)
    throw usageError(`${visible(lab.source)}: the lab runs up to ${containers} containers (replicas counted at max_replicas); this exercise allows at most ${maxContainers}`);
  if (!exercise.checks.some((c) => c.kind === 'prediction')) return { lab };
  if (!submission.answersFile) throw usageError(`${visible(submission.dir)}: this exercise needs the answers file ${SUBMISSION_FILES.answers} beside the lab file`);
  const answers = readSubmissionFile(submission, submission.answersFile, ANSWERS_FILE).data as Answers;
  const unknown = Object.keys(answers.components).filter((name) => !lab.components.some((c) => c.name === name));
  if (unknown.length)
    throw usageError(`${visible(shownPath(submission.answersFile))}: the lab has no component ${unknown.join(', ')}; its components: ${lab.components.map((c) => c.name).join(', ')}`);
  return { lab, answers };
}
