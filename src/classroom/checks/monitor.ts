import { httpGet } from '../../measure/http.js';
import { readLabCa } from '../../project/project.js';
import type { CheckRun } from './check.js';

/** Requests per second through the load balancers' backends, as HAProxy's exporter counts them. */
export const QPS_QUERY = 'sum(rate(haproxy_server_http_responses_total{proxy="servers"}[10s]))';

/**
 * The monitoring server sees the site's traffic: requests are sent through the entry point, then
 * the query is asked of Prometheus until its value is above the minimum or 30 s have passed
 * (targets are found and scraped every few seconds).
 */
export const monitor: CheckRun<'monitor'> = async (session, settings) => {
  const { ctx, lab } = session;
  const status = await session.status();
  const query = settings.query ?? QPS_QUERY;
  const above = settings.above ?? 0;
  const target = `${query} above ${above}`;
  const prometheus = status.endpoints.monitor;
  const site = status.endpoints.https ?? status.endpoints.http;
  if (!prometheus) return { pass: false, figure: 'no monitoring entry point (an entry point with protocol monitor)', target };
  if (!site) return { pass: false, figure: 'no entry point for the site', target };
  const ca = readLabCa(status.projectDir);
  let value: number | undefined;
  let problem = 'no answer';
  const deadline = ctx.clock() + 30_000;
  while (ctx.clock() < deadline && !(value !== undefined && value > above)) {
    for (let i = 0; i < 20; i++) await httpGet(site, { host: `www.${lab.domain}`, ca, timeoutMs: 2000 }).catch(() => undefined);
    try {
      const r = await httpGet(`${prometheus}api/v1/query?query=${encodeURIComponent(query)}`, { host: 'localhost', timeoutMs: 5000 });
      const body = JSON.parse(r.body) as { status?: string; error?: string; data?: { result?: { value?: [number, string] }[] } };
      if (body.status !== 'success') problem = `Prometheus answered ${r.status}: ${body.error ?? 'no result'}`;
      else value = body.data?.result?.length ? Number(body.data.result[0].value?.[1]) : undefined;
      if (value === undefined && body.status === 'success') problem = 'the query has no series yet';
    } catch (err) {
      problem = (err as Error).message;
    }
    await ctx.sleep(1000);
  }
  return { pass: value !== undefined && value > above, figure: value !== undefined ? `the query answered ${Math.round(value * 100) / 100}` : problem, target };
};
