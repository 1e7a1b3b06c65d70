import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ExitCode, ExitError } from '../errors.js';
import type { Flavor } from '../render/flavors.js';
import { openProject, projectDirOf } from '../project/project.js';
import { projectNameOf, type RunContext } from '../run/context.js';
import { downByLabels, labStatus } from '../run/labs.js';
import { up } from '../run/up.js';
import type { Progress } from '../run/events.js';
import type { Exercise } from './exercise.js';
import type { CheckSession } from './checks/check.js';
import { CHECKS } from './checks/index.js';
import { validateSubmission, type Submission } from './submission.js';

export interface CheckResult {
  id: string;
  title: string;
  pass: boolean;
  figure: string;
  target: string;
  points: number;
  earned: number;
  hint?: string;
  ms: number;
}

export interface SubmissionResult {
  exercise: string;
  submission: string;
  lab: string;
  /** Each check, in the exercise's order; those not reached (time limit, interruption) are failed with the reason. */
  checks: CheckResult[];
  points: number;
  total: number;
  passed: boolean;
  /** Where the time went. */
  ms: { up: number; checks: number; teardown: number; all: number };
}

export interface CheckOptions {
  flavor?: Flavor;
  /** Overrides the exercise's time limit (grade passes its own). */
  timeLimitS?: number;
  /** Aborted by Ctrl-C: the checks stop and the lab is taken down. */
  signal?: AbortSignal;
  progress: Progress;
}

/**
 * What each container of a submission may use: a core and 512 MiB (a lab's database needs about
 * 100). A lab file cannot ask for more, so that one student's design cannot starve the machine or
 * the submissions checked beside it. A lower cpus in the lab file stays.
 */
export const SUBMISSION_LIMITS = { cpus: 1, memoryMb: 512 } as const;

/**
 * The folder a submission is checked in: its own infra-lab home under the user's, named after the
 * submission's path, so that its compose project (and containers, networks, volumes) is its own
 * whatever the lab calls itself, and two submissions can be checked side by side.
 */
export const checkHomeOf = (home: string, exercise: Exercise, submission: Submission) =>
  path.join(home, 'checks', `${exercise.id}-${createHash('sha256').update(submission.dir).digest('hex').slice(0, 10)}`);

/**
 * Checks a submission: validates it (a usage error, exit 2, before anything runs), brings its lab
 * up under a project of its own, runs each check in turn within the exercise's time limit, and
 * takes everything down again, whatever happened, volumes included.
 */
export async function checkSubmission(base: RunContext, exercise: Exercise, submission: Submission, options: CheckOptions): Promise<SubmissionResult> {
  const { lab, answers } = validateSubmission(exercise, submission);
  await base.runtime.ping();
  const ctx: RunContext = { ...base, home: checkHomeOf(base.home, exercise, submission) };
  const projectName = projectNameOf(ctx.home, lab.name);
  const { progress } = options;
  const start = ctx.clock();
  const limitS = options.timeLimitS ?? exercise.timeLimitS;
  const deadline = start + limitS * 1000;
  const stop = new AbortController();
  const cut = (why: string) => !stop.signal.aborted && stop.abort(new ExitError(why, ExitCode.failed));
  const onAbort = () => cut('interrupted');
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) onAbort();
  const timer = setTimeout(() => cut(`the time limit of ${limitS} s was reached`), limitS * 1000);
  const checks: CheckResult[] = [];
  const ms = { up: 0, checks: 0, teardown: 0, all: 0 };
  const failAll = (from: number, why: string) => {
    for (const c of exercise.checks.slice(from)) checks.push({ id: c.id, title: c.title, pass: false, figure: why, target: '', points: c.points, earned: 0, hint: c.hint, ms: 0 });
  };
  /** The step under way: one cut off by the time limit goes on until its own timeouts end it. */
  let current: Promise<unknown> = Promise.resolve();
  const cutOff = <T>(work: Promise<T>) => {
    current = work.catch(() => undefined);
    return withDeadline(stop.signal, work);
  };
  try {
    fs.mkdirSync(ctx.home, { recursive: true });
    try {
      // up's own limit a little later than the check's, so that the time limit is what cuts it and says so.
      await cutOff(up(ctx, lab, { flavor: options.flavor, limits: SUBMISSION_LIMITS, verify: false, signal: stop.signal, timeoutMs: Math.max(10_000, deadline - ctx.clock() + 5000) }, progress));
    } catch (err) {
      failAll(0, `the lab did not come up: ${firstLine(err)}`);
      return finish();
    } finally {
      ms.up = ctx.clock() - start;
    }
    const session: CheckSession = { ctx, lab, answers, progress, status: () => labStatus(ctx, openProject(projectDirOf(ctx.home, lab.name))) };
    for (const [i, spec] of exercise.checks.entries()) {
      if (stop.signal.aborted) {
        failAll(i, `not run: ${(stop.signal.reason as Error).message}`);
        break;
      }
      const t0 = ctx.clock();
      progress({ kind: 'step', text: `check ${spec.id}: ${spec.title}` });
      try {
        // Each kind's settings go to its own check; TypeScript cannot follow that through the lookup.
        const run = CHECKS[spec.kind] as (s: CheckSession, settings: unknown) => ReturnType<(typeof CHECKS)['page']>;
        const o = await cutOff(run(session, spec.settings));
        const earned = Math.round(spec.points * (o.score ?? (o.pass ? 1 : 0)) * 100) / 100;
        checks.push({ id: spec.id, title: spec.title, pass: o.pass, figure: o.figure, target: o.target, points: spec.points, earned, hint: o.pass ? undefined : spec.hint, ms: ctx.clock() - t0 });
      } catch (err) {
        checks.push({ id: spec.id, title: spec.title, pass: false, figure: `could not finish: ${firstLine(err)}`, target: '', points: spec.points, earned: 0, hint: spec.hint, ms: ctx.clock() - t0 });
      }
      progress({ kind: 'done', text: `check ${spec.id}: ${checks[checks.length - 1].pass ? 'pass' : 'fail'}`, ms: ctx.clock() - t0 });
    }
    ms.checks = ctx.clock() - start - ms.up;
    return finish();
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    const t0 = ctx.clock();
    progress({ kind: 'step', text: `taking the submission's lab down (compose project ${projectName})` });
    await downByLabels(ctx, projectName, { volumes: true });
    // A step that was cut off may still start something (compose up, a heal): take that down too.
    if (stop.signal.aborted) {
      await current;
      await downByLabels(ctx, projectName, { volumes: true });
    }
    fs.rmSync(ctx.home, { recursive: true, force: true });
    ms.teardown = ctx.clock() - t0;
    ms.all = ctx.clock() - start;
  }

  function finish(): SubmissionResult {
    const points = Math.round(checks.reduce((n, c) => n + c.earned, 0) * 100) / 100;
    const total = exercise.checks.reduce((n, c) => n + c.points, 0);
    return { exercise: exercise.id, submission: submission.dir, lab: lab.name, checks, points, total, passed: checks.every((c) => c.pass), ms };
  }
}

/** The work, or the reason it was cut off (time limit, interruption), whichever comes first. */
function withDeadline<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];
