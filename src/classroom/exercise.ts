import fs from 'node:fs';
import path from 'node:path';
import { exercisesDir, labsDir, packageRoot } from '../paths.js';
import { usageError } from '../errors.js';
import type { FaultMode, Role } from '../lab/model.js';
import { domainProblem, MAX_LAB_DOMAIN, type Problem } from '../lab/check.js';
import { closest } from '../lab/suggest.js';
import { looksLikeLabFile } from '../lab/load.js';
import { loadYamlFile, type DocumentKind } from '../lab/yaml-document.js';

/**
 * A classroom exercise: a task, the lab a student starts from, and the checks that infra-lab runs
 * live on the lab the student hands in. Teachers write their own; the built-in ones are in exercises/.
 */
export interface Exercise {
  id: string;
  title: string;
  stage: 1 | 2 | 3 | 4;
  task: string;
  /** A built-in lab's name, or a file of exercises/start/. */
  start: string;
  /** The answers file as handed out, for exercises that have one. */
  answers?: string;
  rules: { domain?: string; maxContainers: number };
  timeLimitS: number;
  checks: CheckSpec[];
  source: string;
}

/** Which components a check acts on, each in turn. */
export interface Selector {
  role?: Role;
  component?: string;
  replica?: boolean;
  primary?: boolean;
}

/** Each kind of check and its settings, as the exercise file writes them. */
export interface CheckKinds {
  page: { seconds?: number };
  persists: Record<string, never>;
  survive: {
    each: Selector;
    mode?: FaultMode;
    hold_s?: number;
    max_failed?: number;
    max_failing_ms?: number;
    min_failed?: number;
    reads?: 'ok' | 'fail';
    writes?: 'ok' | 'fail';
    min_targets?: number;
  };
  isolated: { role: Role; from: Role[] };
  https: Record<string, never>;
  monitor: { query?: string; above?: number };
  throughput: { role?: 'app' | 'web'; from?: number; to?: number; min_ratio: number };
  self_heal: { each: Selector; within_s: number };
  prediction: { hold_s?: number; tolerance_s?: number };
}
export type CheckKind = keyof CheckKinds;
export const CHECK_KINDS = ['page', 'persists', 'survive', 'isolated', 'https', 'monitor', 'throughput', 'self_heal', 'prediction'] as const satisfies readonly CheckKind[];

export type CheckSpec = {
  [K in CheckKind]: { id: string; title: string; points: number; hint?: string; kind: K; settings: CheckKinds[K] };
}[CheckKind];

/** The exercise file as written, after the schema. */
interface RawExercise {
  id: string;
  title: string;
  stage: Exercise['stage'];
  task: string;
  start: { lab: string };
  answers?: string;
  rules?: { domain?: string; max_containers?: number };
  time_limit_s?: number;
  checks: ({ id: string; title: string; points?: number; hint?: string } & Partial<CheckKinds>)[];
}

export const DEFAULT_TIME_LIMIT_S = 900;
export const DEFAULT_MAX_CONTAINERS = 16;

export const EXERCISE_FILE: DocumentKind = {
  noun: 'exercise file',
  whole: 'the exercise',
  shape: 'an exercise file is a YAML mapping with id, title, stage, task, start and checks',
  schema: path.join(packageRoot, 'schema', 'exercise.schema.json'),
  check: checkExercise as (data: never) => Problem[],
};

/** Columns the results CSV has of its own (see classroom/grade.ts csvHeader): a check named so would be mistaken for them. */
const RESERVED_CHECK_IDS = ['student', 'points', 'total', 'error'];

function checkExercise(raw: RawExercise): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const domain = raw.rules?.domain;
  if (domain !== undefined) {
    const issue = domainProblem(domain) ?? (domain.replace(/\.$/, '').length > MAX_LAB_DOMAIN ? `is longer than ${MAX_LAB_DOMAIN} characters, the most a lab's domain may have` : undefined);
    if (issue) problems.push({ path: ['rules', 'domain'], message: `rules.domain: not a valid domain name: it ${issue}` });
  }
  if (!fs.existsSync(startLabPath(raw.start.lab)))
    problems.push({ path: ['start', 'lab'], message: `start.lab: no ${raw.start.lab.endsWith('.yaml') ? `file ${raw.start.lab} in the exercises' start/ folder` : `built-in lab named ${raw.start.lab}`}; give a built-in lab's name or a file of exercises/start/` });
  raw.checks.forEach((c, i) => {
    if (RESERVED_CHECK_IDS.includes(c.id))
      problems.push({ path: ['checks', i, 'id'], message: `checks[${i}].id: '${c.id}' is a column of the results CSV (${RESERVED_CHECK_IDS.join(', ')}); give the check another id` });
    const kinds = CHECK_KINDS.filter((k) => k in c);
    if (kinds.length !== 1)
      problems.push({ path: ['checks', i], message: `checks[${i}] (${c.id}): a check has exactly one kind, one of ${CHECK_KINDS.join(', ')}; found ${kinds.join(', ') || 'none'}` });
    if (seen.has(c.id)) problems.push({ path: ['checks', i, 'id'], message: `checks[${i}]: the check id '${c.id}' is used twice` });
    seen.add(c.id);
    const s = c.survive;
    if (s && [s.max_failed, s.max_failing_ms, s.min_failed, s.reads, s.writes].every((x) => x === undefined))
      problems.push({ path: ['checks', i, 'survive'], message: `checks[${i}].survive: say what must hold: max_failed, max_failing_ms, min_failed, reads or writes` });
    const t = c.throughput;
    if (t && (t.from ?? 1) >= (t.to ?? 3)) problems.push({ path: ['checks', i, 'throughput'], message: `checks[${i}].throughput: 'to' must be more replicas than 'from'` });
  });
  if (raw.checks.some((c) => 'prediction' in c) && raw.answers === undefined)
    problems.push({ path: [], key: 'checks', message: 'a prediction check compares with the answers file: give the exercise an answers field (the file as handed out)' });
  return problems;
}

function toExercise(raw: RawExercise, source: string): Exercise {
  return {
    id: raw.id,
    title: raw.title,
    stage: raw.stage,
    task: raw.task.trim(),
    start: raw.start.lab,
    answers: raw.answers,
    rules: { domain: raw.rules?.domain, maxContainers: raw.rules?.max_containers ?? DEFAULT_MAX_CONTAINERS },
    timeLimitS: raw.time_limit_s ?? DEFAULT_TIME_LIMIT_S,
    checks: raw.checks.map((c) => {
      const kind = CHECK_KINDS.find((k) => k in c)!;
      return { id: c.id, title: c.title, points: c.points ?? 1, hint: c.hint, kind, settings: c[kind] } as CheckSpec;
    }),
    source,
  };
}

export function loadExerciseFile(file: string): Exercise {
  const { data, shown } = loadYamlFile(file, EXERCISE_FILE);
  return toExercise(data as RawExercise, shown);
}

/** The files of the exercises shipped with infra-lab. */
export const builtinExerciseFiles = () => fs.readdirSync(exercisesDir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(exercisesDir, f));

/** The exercises shipped with infra-lab, in curriculum order. */
export function builtinExercises(): Exercise[] {
  return builtinExerciseFiles()
    .map(loadExerciseFile)
    .sort((a, b) => a.stage - b.stage || a.id.localeCompare(b.id));
}

/** An exercise by built-in id or by file path. */
export function resolveExercise(ref: string): Exercise {
  if (looksLikeLabFile(ref)) return loadExerciseFile(ref);
  const all = builtinExercises();
  const found = all.find((e) => e.id === ref);
  if (found) return found;
  const hint = closest(ref, all.map((e) => e.id));
  throw usageError(`unknown exercise '${ref}'${hint ? ` (did you mean '${hint}'?)` : ''}; exercises: ${all.map((e) => e.id).join(', ')}; or give the path of an exercise file`);
}

/** The file a start lab names: a built-in lab, or a file of exercises/start/. */
export const startLabFile = (exercise: Exercise) => startLabPath(exercise.start);
const startLabPath = (start: string) => (start.endsWith('.yaml') ? path.join(exercisesDir, 'start', start) : path.join(labsDir, `${start}.yaml`));
