import type { FailureLayer } from '../lab/model.js';

/** One request along the user's path, as the probe saw it. */
export interface Sample {
  seq: number;
  /** write: GET /api/visits (adds a visit on the primary); read: GET / (reads the counter). */
  kind: 'write' | 'read';
  /** When the request started, ms since 1970 (the probe container's clock, which is the engine's). */
  t: number;
  /** How long it took, ms. */
  ms: number;
  ok: boolean;
  layer?: FailureLayer;
  /**
   * A failed request whose outcome is unknown: it was sent, then timed out or its connection was
   * reset before an answer, or the app answered that its database write may have been applied.
   * The others failed for certain: refused, not found in DNS, or an error answer.
   */
  unknown?: boolean;
  status?: number;
  detail?: string;
  /** The address www resolved to and the request went to. */
  address?: string;
  instance?: string;
  /** The code version of the app server that answered. */
  version?: string;
  /** For a successful write: the counter value the app acknowledged. */
  visits?: number;
  /** The database the app read the counter from (its X-Read-From header): the replica, or the primary while the replica is away. */
  readFrom?: string;
}

/** Where a failed request failed, from the error code of the DNS lookup or the HTTP request. */
export function classifyError(stage: 'dns' | 'http', code: string | undefined): FailureLayer {
  if (stage === 'dns') return 'dns';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'TIMEOUT') return 'timeout';
  return 'connect';
}

/** Where a request that got an answer failed: the app names database failures in a header. */
export function classifyStatus(status: number, failureHeader: string | undefined): FailureLayer | undefined {
  if (status >= 200 && status < 400) return undefined;
  if (failureHeader === 'database') return 'database';
  return 'http';
}

export const LAYER_MARK: Record<FailureLayer, string> = { dns: 'D', connect: 'C', timeout: 'T', http: 'H', database: 'B' };

export function parseSample(line: string): Sample | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const s = JSON.parse(line) as Sample;
    return typeof s.t === 'number' && typeof s.ok === 'boolean' ? s : undefined;
  } catch {
    return undefined;
  }
}
