import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { DEBIAN_BASE_IMAGE, debianImage, IMAGE_KINDS } from '../../src/render/flavors.js';
import { HASH_LABEL } from '../../src/run/images.js';
import { repoRoot } from './cli.js';
import { docker, podman } from './live.js';

/**
 * Helpers of the Podman end-to-end tests: rootful Podman's Docker-compatible API, which
 * scripts/setup-debian-host.sh installs and starts beside the Docker engine.
 */
export const PODMAN_SOCKET = '/run/podman/podman.sock';
/** What a user sets to run infra-lab on Podman: its socket, and Compose v2 (v1 is refused there). */
export const PODMAN_ENV = { DOCKER_HOST: `unix://${PODMAN_SOCKET}`, INFRA_LAB_COMPOSE: 'v2' };

/** Fails, never skips, where Podman or its socket is missing. */
export function requirePodman(): void {
  const version = podman(['--version']);
  if (version.code !== 0) throw new Error(`the Podman tests need podman (scripts/setup-debian-host.sh installs it, as root): ${version.stderr.trim()}`);
  const ping = spawnSync('curl', ['-sf', '--max-time', '5', '--unix-socket', PODMAN_SOCKET, 'http://podman/_ping'], { encoding: 'utf8' });
  if (ping.status !== 0) throw new Error(`the Podman tests need Podman's API at ${PODMAN_SOCKET} (scripts/setup-debian-host.sh starts it): curl exit ${ping.status}`);
}

const contentHash = (cli: typeof docker, image: string) => cli(['image', 'inspect', '--format', `{{index .Config.Labels "${HASH_LABEL}"}}`, image]).stdout.trim();

/**
 * The debian images, as the Docker engine has them (the end-to-end set-up built them there), copied
 * into Podman where it lacks them or has others: building them again through Podman takes 5.5 min.
 * `infra-lab images build` against Podman's socket is what a user does; the import it relies on is
 * tested on its own. Returns the images copied.
 */
export function copyImagesToPodman(): string[] {
  const images = [DEBIAN_BASE_IMAGE, ...IMAGE_KINDS.map(debianImage)];
  const stale = images.filter((image) => {
    const want = contentHash(docker, image);
    if (!want) throw new Error(`the Docker engine has no ${image} to copy into Podman; run infra-lab images build`);
    return contentHash(podman, image) !== want;
  });
  if (stale.length === 0) return [];
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `docker save ${stale.join(' ')} | podman load -q`], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`docker save | podman load failed (${r.status}): ${r.stderr}`);
  return stale;
}

/**
 * Runs the healthchecks that Podman 4 leaves to systemd timers, as scripts/podman-healthchecks.sh
 * does for users without systemd; stop() ends it.
 */
export function startHealthchecks(): { stop(): Promise<void> } {
  const child = spawn('bash', [path.join(repoRoot, 'scripts', 'podman-healthchecks.sh'), PODMAN_SOCKET], {
    stdio: 'ignore',
    detached: true,
    env: { ...process.env, INFRA_LAB_HEALTHCHECK_WHILE_PID: String(process.pid) },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    stop: async () => {
      // The loop and the checks it has under way: its process group.
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    },
  };
}
