import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Role } from '../../lab/model.js';
import { imageFor } from '../../render/flavors.js';
import { APP_PORT, APP_USER, LABEL } from '../../render/project.js';
import type { CheckRun, CheckSession } from './check.js';

/** The port each role serves on inside the lab. */
const SERVICE_PORT: Record<Role, number> = { db: 3306, app: APP_PORT, web: 80, lb: 80, monitor: 9090, dns: 53 };

/** Tries a TCP connection to each "host:port" of TARGETS, and prints one JSON line per target. */
const TRY_CONNECT = `
const net = require('net');
const targets = process.env.TARGETS.split(',');
let left = targets.length;
for (const t of targets) {
  const [host, port] = t.split(':');
  const s = net.connect({ host, port: Number(port) });
  const done = (ok, why) => { s.destroy(); console.log(JSON.stringify({ target: t, ok, why })); if (--left === 0) process.exit(0); };
  s.setTimeout(1500, () => done(false, 'timeout'));
  s.on('connect', () => done(true));
  s.on('error', (e) => done(false, e.code));
}`;

/**
 * Which components can open a connection to the protected role's port, tried live: a helper
 * container on each of the lab's networks connects to every protected component by name. A
 * component reaches what the helper on any of its networks reached (Docker separates containers
 * by network only). Passes when only the allowed roles reach them.
 */
export const isolated: CheckRun<'isolated'> = async (session, settings) => {
  const { lab } = session;
  const protectedOnes = lab.components.filter((c) => c.role === settings.role);
  const port = SERVICE_PORT[settings.role];
  const target = `only ${settings.from.join(', ')} reach ${settings.role} port ${port}`;
  if (protectedOnes.length === 0) return { pass: false, figure: `no ${settings.role} component`, target };
  const reachedOn = new Map<string, Set<string>>();
  for (const network of lab.networks) reachedOn.set(network.name, await reachableFrom(session, network.name, protectedOnes.map((c) => `${c.name}:${port}`)));
  const reaching = lab.components.filter((c) => !protectedOnes.includes(c) && c.networks.some((n) => reachedOn.get(n)!.size > 0));
  const wrong = reaching.filter((c) => !settings.from.includes(c.role));
  return {
    pass: wrong.length === 0,
    figure: `reached from: ${reaching.map((c) => `${c.name} (${c.role})`).join(', ') || 'nothing'}${wrong.length ? `; not allowed: ${wrong.map((c) => c.name).join(', ')}` : ''}`,
    target,
  };
};

/** The targets a container on the network could connect to. */
async function reachableFrom(session: CheckSession, network: string, targets: string[]): Promise<Set<string>> {
  const status = await session.status();
  const reached = new Set<string>();
  const running = await session.ctx.runtime.runContainer(
    {
      image: imageFor(status.flavor, 'app'),
      name: `${status.projectName}-reach-${randomBytes(3).toString('hex')}`,
      cmd: ['node', '-e', TRY_CONNECT],
      user: APP_USER,
      env: { TARGETS: targets.join(',') },
      labels: { [LABEL.lab]: session.lab.name, [LABEL.helper]: status.projectName, [LABEL.controller]: `${os.hostname()}:${process.pid}` },
      network: `${status.projectName}_${network}`,
      binds: {},
    },
    (line, stream) => {
      if (stream !== 'stdout') return;
      try {
        const r = JSON.parse(line) as { target: string; ok: boolean };
        if (r.ok) reached.add(r.target);
      } catch {
        // Not a result line.
      }
    },
  );
  await Promise.race([running.finished, session.ctx.sleep(15_000)]);
  await session.ctx.runtime.remove(running.id);
  return reached;
}
