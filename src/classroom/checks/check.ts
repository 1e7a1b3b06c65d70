import type { Lab } from '../../lab/model.js';
import { TIMINGS } from '../../run/timings.js';
import type { RunContext } from '../../run/context.js';
import type { Progress } from '../../run/events.js';
import type { LabStatus } from '../../run/labs.js';
import type { CheckKinds, CheckKind } from '../exercise.js';
import type { Answers } from '../submission.js';

/** What one check measured: passed or not, the figure against its target, and details for the curious. */
export interface CheckOutcome {
  pass: boolean;
  /** The measured figure, e.g. "app-1: 0 of 152 requests failed". */
  figure: string;
  /** What it had to be, e.g. "at most 0 failed per break". */
  target: string;
  /** The share of the check's points earned, 0 to 1, where a check gives partial credit (default: 1 if it passed, else 0). */
  score?: number;
}

/** A submission's lab while it is checked: up under a project of its own. */
export interface CheckSession {
  ctx: RunContext;
  lab: Lab;
  answers?: Answers;
  /** The lab's status now (replica counts and containers change during checks). */
  status(): Promise<LabStatus>;
  progress: Progress;
}

export type CheckRun<K extends CheckKind> = (session: CheckSession, settings: CheckKinds[K]) => Promise<CheckOutcome>;

/** The probe's pace during checks: the defaults of every measured command. */
export const PROBE_PACE = { intervalMs: TIMINGS.probeIntervalMs, timeoutMs: TIMINGS.probeTimeoutMs } as const;
