import { resolveLab } from '../../src/lab/load.js';
import type { Flavor } from '../../src/render/flavors.js';
import type { RenderInput } from '../../src/render/project.js';
import { projectEnv } from '../../src/render/secrets.js';

/** A built-in lab's render input with everything that changes between runs fixed (secrets, time, version). */
export const fixedInput = (labName: string, flavor: Flavor): RenderInput => ({
  lab: resolveLab(labName),
  flavor,
  projectName: `infra-lab-${labName}`,
  block: '10.150.20',
  env: { ...projectEnv(`infra-lab-${labName}`, []), DB_ROOT_PASSWORD: 'root-secret', DB_APP_PASSWORD: 'app-secret', DB_REPL_PASSWORD: 'repl-secret' },
  appServer: '// infra-lab application server (a stand-in for the bundle in this test)\n',
  now: new Date('2026-01-02T03:04:05Z'),
  version: '0.0.0-test',
});
