import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Before the end-to-end files run: the debian images are built once, so that no test's time limit
 * includes an image build. (Jest loads this file outside the test
 * modules' resolver, so it runs the built binary directly instead of importing the helpers.)
 */
export default function globalSetup(config: { rootDir: string }): void {
  const r = spawnSync(process.execPath, [path.join(config.rootDir, 'dist', 'cli', 'index.js'), 'images', 'build'], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (r.status !== 0) throw new Error(`infra-lab images build failed before the end-to-end tests (exit ${r.status}): ${r.stderr?.trim()}`);
}
