/** The default timings of every use case, in one place, so that each caller measures the same way. */
export const TIMINGS = {
  /** The probe's pace and how long one of its requests may take before it counts as failed. */
  probeIntervalMs: 50,
  probeTimeoutMs: 2000,
  /** A steady stretch measured before any fault or maintenance action. */
  baselineMs: 3000,
  /** How long the user's path may take to work again after a fault is healed or an action ends. */
  recoveryTimeoutMs: 120_000,
  /** How long a component may take to become ready after it was started, healed, restarted, scaled or replaced. */
  readyTimeoutMs: 120_000,
  /** How long `up` waits for every service to become healthy. */
  upTimeoutMs: 300_000,
  /** How long a break lasts in an experiment before it is healed. */
  holdMs: 5000,
  /** Each load run of a scale experiment. */
  loadSeconds: 10,
} as const;
