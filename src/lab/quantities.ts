/**
 * The quantities of network faults as people write them, in a lab file and on the command line:
 * times (300ms, 1.5s) and rates (1mbit, 500kbit), each within a stated range.
 */

export const FAULT_RANGES = {
  delayMs: { min: 1, max: 60_000 },
  jitterMs: { min: 0, max: 60_000 },
  percent: { min: 1, max: 100 },
  rateKbit: { min: 8, max: 10_000_000 },
} as const;

const TIME = /^(\d{1,6}(?:\.\d{1,3})?)(ms|s)$/;
const RATE = /^(\d{1,7}(?:\.\d{1,3})?)(kbit|mbit|gbit)$/;

/** A time such as 300ms or 1.5s, in ms; undefined if it is not one. */
export function parseTime(text: string): number | undefined {
  const m = TIME.exec(text.trim());
  return m ? Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1)) : undefined;
}

/** A rate such as 1mbit or 500kbit, in kbit/s; undefined if it is not one. */
export function parseRate(text: string): number | undefined {
  const m = RATE.exec(text.trim());
  return m ? Math.round(Number(m[1]) * { kbit: 1, mbit: 1000, gbit: 1_000_000 }[m[2] as 'kbit' | 'mbit' | 'gbit']) : undefined;
}

export const inRange = (key: keyof typeof FAULT_RANGES, n: number) => n >= FAULT_RANGES[key].min && n <= FAULT_RANGES[key].max;
