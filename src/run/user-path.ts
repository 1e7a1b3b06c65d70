import type { Lab } from '../lab/model.js';
import { failure } from '../errors.js';
import { readLabCa } from '../project/project.js';
import { lookupWww, type WwwAnswer } from '../measure/dns.js';
import { httpGet } from '../measure/http.js';
import type { RunContext } from './context.js';
import type { Endpoints } from './state.js';
import { waitUntil } from './wait.js';

/**
 * The user's path, as a user meets it: the lab's DNS server answers for www, and the page answers
 * 200 through every tier. Ready containers are not yet that: a client may still hold the old
 * address of one that came back.
 */

export async function checkDns(ctx: RunContext, server: string, domain: string, signal?: AbortSignal): Promise<WwwAnswer> {
  let lastError: unknown;
  const answer = await waitUntil(
    () =>
      lookupWww(server, domain).catch((err) => {
        lastError = err;
        return undefined;
      }),
    { timeoutMs: 15_000, intervalMs: 250, clock: ctx.clock, sleep: ctx.sleep, signal },
  );
  if (!answer) throw failure(`the lab's DNS server at ${server} does not answer for www.${domain}: ${(lastError as Error)?.message}`);
  return answer;
}

export async function checkPage(ctx: RunContext, lab: Lab, endpoints: Endpoints, projectDir: string, signal?: AbortSignal) {
  const url = endpoints.https ?? endpoints.http;
  if (!url) return undefined;
  const ca = url.startsWith('https') ? readLabCa(projectDir) : undefined;
  let last: { status: number; answeredBy?: string } | undefined;
  const ok = await waitUntil(
    async () => {
      try {
        const r = await httpGet(url, { host: `www.${lab.domain}`, ca });
        last = { status: r.status, answeredBy: r.headers['x-app-instance'] as string | undefined };
        return r.status === 200 ? last : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 20_000, intervalMs: 250, clock: ctx.clock, sleep: ctx.sleep, signal },
  );
  if (!ok) throw failure(`every service is ready but ${url} does not answer 200 for www.${lab.domain}${last ? ` (last status ${last.status})` : ''}`);
  return ok;
}

/** Waits until a user gets through the whole path (see above); fails naming the part that does not answer. */
export async function checkUserPath(ctx: RunContext, lab: Lab, endpoints: Endpoints, projectDir: string): Promise<void> {
  if (endpoints.dns) await checkDns(ctx, endpoints.dns, lab.domain);
  await checkPage(ctx, lab, endpoints, projectDir);
}
