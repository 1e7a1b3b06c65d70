import { httpGet } from '../../measure/http.js';
import { readLabCa } from '../../project/project.js';
import type { CheckRun } from './check.js';

/** HTTPS at the entry point with the lab's certificate for www.<domain>, and plain HTTP redirected to it. */
export const https: CheckRun<'https'> = async (session) => {
  const status = await session.status();
  const host = `www.${session.lab.domain}`;
  const { https: secure, http: plain } = status.endpoints;
  const target = `a TLS handshake for ${host} and 200 over HTTPS; HTTP answers a redirect to https://`;
  if (!secure) return { pass: false, figure: 'no HTTPS entry point (an entry point with protocol https)', target };
  const tls = await httpGet(secure, { host, ca: readLabCa(status.projectDir), timeoutMs: 5000 }).then(
    (r) => `HTTPS answered ${r.status}`,
    (err: Error) => `HTTPS failed: ${err.message}`,
  );
  const redirect = plain
    ? await httpGet(plain, { host, timeoutMs: 5000 }).then(
        (r) => ({ ok: [301, 302, 307, 308].includes(r.status) && /^https:\/\//.test(String(r.headers.location ?? '')), text: `HTTP answered ${r.status}${r.headers.location ? ` to ${r.headers.location}` : ''}` }),
        (err: Error) => ({ ok: false, text: `HTTP failed: ${err.message}` }),
      )
    : { ok: false, text: 'no HTTP entry point to redirect' };
  return { pass: tls === 'HTTPS answered 200' && redirect.ok, figure: `${tls}; ${redirect.text}`, target };
};
