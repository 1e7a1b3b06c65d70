import { randomBytes } from 'node:crypto';

/**
 * Settings kept in a project's .env (mode 0600): secrets survive regeneration, and so does the
 * version of the code each app server runs (APP_VERSION_<COMPONENT>, changed by `infra-lab deploy`).
 */
export interface ProjectEnv {
  COMPOSE_PROJECT_NAME: string;
  BIND_ADDRESS: string;
  DB_ROOT_PASSWORD: string;
  DB_APP_PASSWORD: string;
  DB_REPL_PASSWORD: string;
  [appVersion: `APP_VERSION_${string}`]: string;
}

const password = () => randomBytes(18).toString('base64url');

/** The .env variable holding the code version an app component runs. */
export const versionVariable = (component: string) => `APP_VERSION_${component.toUpperCase().replace(/-/g, '_')}` as const;

/** Fresh settings, reusing any values found in an existing .env; `versions` sets app versions. */
export function projectEnv(projectName: string, apps: string[], existing: Record<string, string> = {}, versions: Record<string, string> = {}): ProjectEnv {
  const env: ProjectEnv = {
    COMPOSE_PROJECT_NAME: projectName,
    BIND_ADDRESS: existing.BIND_ADDRESS ?? '127.0.0.1',
    DB_ROOT_PASSWORD: existing.DB_ROOT_PASSWORD ?? password(),
    DB_APP_PASSWORD: existing.DB_APP_PASSWORD ?? password(),
    DB_REPL_PASSWORD: existing.DB_REPL_PASSWORD ?? password(),
  };
  for (const app of apps) env[versionVariable(app)] = versions[app] ?? existing[versionVariable(app)] ?? '1';
  return env;
}

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export function formatEnvFile(env: ProjectEnv): string {
  return [
    '# Settings and secrets of this lab project, read by Docker Compose. Written by infra-lab;',
    '# the passwords are random for this project and kept when infra-lab regenerates it.',
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
}
