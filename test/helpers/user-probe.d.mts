/** Types of user-probe.mjs (plain JavaScript, shared with bench/). */
export interface UserRequest {
  path: string;
  /** ms since 1970 when it was sent */
  start: number;
  /** how long it took, up to the timeout */
  ms: number;
  /** a 2xx within the timeout */
  ok: boolean;
  status?: number;
  /** 'timeout', or the socket error's code (ECONNRESET, ...) */
  error?: string;
  instance?: string;
  version?: string;
  /** the database the app read from (X-Read-From) */
  readFrom?: string;
}

export interface UserProbe {
  requests: UserRequest[];
  stop(): Promise<UserRequest[]>;
}

export function userProbe(url: string, options?: { intervalMs?: number; timeoutMs?: number; host?: string }): UserProbe;

export function summarize(requests: UserRequest[]): {
  total: number;
  failed: number;
  longestMs: number;
  longest?: UserRequest;
  byError: Record<string, number>;
  firstFailures: UserRequest[];
};
