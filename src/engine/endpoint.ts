import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';

/** Where the container engine was found, and by which rule. */
export interface Endpoint {
  /** A unix socket path, a Windows named pipe, or tcp://host:port. */
  address: string;
  source: 'DOCKER_HOST' | 'docker context' | 'default socket' | 'rootless Docker' | 'Podman' | 'Docker Desktop';
}

export interface EndpointEnv {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  exists: (p: string) => boolean;
  readFile: (p: string) => string;
}

const realEnv = (): EndpointEnv => ({
  env: process.env,
  home: os.homedir(),
  platform: process.platform,
  exists: (p) => fs.existsSync(p),
  readFile: (p) => fs.readFileSync(p, 'utf8'),
});

/**
 * The chain of rules that finds the engine, in the order the docker CLI uses
 * (DOCKER_HOST, then the active context), then the usual sockets: Docker's default,
 * Docker Desktop's per-user socket, rootless Docker, and Podman's Docker-compatible API.
 * Returns every candidate, best first; the caller uses the first that exists.
 */
export function endpointCandidates(e: EndpointEnv = realEnv()): Endpoint[] {
  const out: Endpoint[] = [];
  if (e.env.DOCKER_HOST) return [{ address: e.env.DOCKER_HOST, source: 'DOCKER_HOST' }];
  const context = activeContextHost(e);
  if (context) out.push({ address: context, source: 'docker context' });
  if (e.platform === 'win32') {
    out.push({ address: '//./pipe/docker_engine', source: 'default socket' });
    out.push({ address: '//./pipe/podman-machine-default', source: 'Podman' });
    return out;
  }
  out.push({ address: '/var/run/docker.sock', source: 'default socket' });
  out.push({ address: path.join(e.home, '.docker', 'run', 'docker.sock'), source: 'Docker Desktop' });
  const runtimeDir = e.env.XDG_RUNTIME_DIR ?? (typeof process.getuid === 'function' ? `/run/user/${process.getuid()}` : undefined);
  if (runtimeDir) out.push({ address: path.join(runtimeDir, 'docker.sock'), source: 'rootless Docker' });
  if (runtimeDir) out.push({ address: path.join(runtimeDir, 'podman', 'podman.sock'), source: 'Podman' });
  out.push({ address: '/run/podman/podman.sock', source: 'Podman' });
  return out;
}

/** The first candidate that is there (a socket file, or any non-file address), else the first tried. */
export function findEndpoint(e: EndpointEnv = realEnv()): { endpoint: Endpoint; tried: Endpoint[] } {
  const tried = endpointCandidates(e);
  const isFileSocket = (a: string) => a.startsWith('/') || a.startsWith('unix://');
  const found = tried.find((c) => !isFileSocket(c.address) || e.exists(c.address.replace(/^unix:\/\//, '')));
  return { endpoint: found ?? tried[0], tried };
}

/** The docker CLI's current context endpoint, when it is not the default one. */
function activeContextHost(e: EndpointEnv): string | undefined {
  const configDir = e.env.DOCKER_CONFIG ?? path.join(e.home, '.docker');
  let name = e.env.DOCKER_CONTEXT;
  if (!name) {
    const config = path.join(configDir, 'config.json');
    if (!e.exists(config)) return undefined;
    try {
      name = JSON.parse(e.readFile(config)).currentContext;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  const meta = path.join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
  if (!e.exists(meta)) return undefined;
  try {
    return JSON.parse(e.readFile(meta)).Endpoints?.docker?.Host;
  } catch {
    return undefined;
  }
}
