import { httpGet } from '../../measure/http.js';
import { readLabCa } from '../../project/project.js';
import { down, type LabStatus } from '../../run/labs.js';
import { up } from '../../run/up.js';
import type { CheckRun, CheckSession } from './check.js';

/** The visit counter survives `down` and `up`: the database keeps its volume, so the count goes on. */
export const persists: CheckRun<'persists'> = async (session) => {
  const before = (await visit(session, await session.status())) ?? 0;
  session.progress({ kind: 'step', text: `counter at ${before}; taking the lab down (volumes kept) and up again` });
  await down(session.ctx, await session.status(), { volumes: false }, session.progress);
  await up(session.ctx, session.lab, { verify: false }, session.progress);
  const after = await visit(session, await session.status());
  return {
    pass: after !== undefined && after > before,
    figure: `counter ${before} before down, ${after ?? 'no answer'} after up`,
    target: `more than ${before} after up: the visits are kept`,
  };
};

/** Adds a visit through the entry point; resolves with the counter the app acknowledged. */
async function visit(session: CheckSession, status: LabStatus): Promise<number | undefined> {
  const url = status.endpoints.https ?? status.endpoints.http;
  if (!url) return undefined;
  const r = await httpGet(new URL('api/visits', url).toString(), { host: `www.${session.lab.domain}`, ca: readLabCa(status.projectDir), timeoutMs: 5000 }).catch(() => undefined);
  if (r?.status !== 200) return undefined;
  const visits = (JSON.parse(r.body) as { visits?: unknown }).visits;
  return typeof visits === 'number' ? visits : undefined;
}
