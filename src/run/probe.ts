import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Lab } from '../lab/model.js';
import { componentsWithRole } from '../lab/model.js';
import { failure } from '../errors.js';
import { imageFor, type Flavor } from '../render/flavors.js';
import { PROBE_FILE } from '../render/generate.js';
import { APP_USER, LABEL, TLS_FILES } from '../render/project.js';
import { parseSample, type Sample } from '../measure/sample.js';
import type { ContainerInfo } from '../engine/runtime.js';
import type { RunContext } from './context.js';
import type { LabStatus } from './labs.js';

export interface ProbeOptions {
  intervalMs: number;
  timeoutMs: number;
  onSample?: (s: Sample) => void;
}

export interface RunningProbe {
  samples: Sample[];
  /** Probes of earlier commands whose process is gone, removed before this one started. */
  removedStale: number;
  /** Resolves when the probe container has stopped: after stop(), or when something else removed it (infra-lab down). */
  ended: Promise<void>;
  /** Stops the probe container and resolves with every sample it sent. */
  stop(): Promise<Sample[]>;
}

/**
 * Starts the probe in a container on the lab's public network (the DNS server's network), so that
 * it reaches the lab as a user's machine would, also where the host cannot reach container addresses.
 */
export async function startProbe(ctx: RunContext, lab: Lab, status: LabStatus, options: ProbeOptions): Promise<RunningProbe> {
  const dns = componentsWithRole(lab, 'dns')[0];
  const network = `${status.projectName}_${dns.networks[0]}`;
  const dnsAddress = status.services.find((s) => s.component === dns.name)?.containers[0]?.networks[network];
  if (!dnsAddress) throw failure(`the lab's DNS server ${dns.name} has no address on ${network}; is it up? (infra-lab status ${lab.name})`);
  const https = lab.entrypoints.find((e) => e.protocol === 'https');
  const entry = https ?? lab.entrypoints.find((e) => e.protocol === 'http');
  const removedStale = await removeStaleProbes(ctx, status.projectName);
  const samples: Sample[] = [];
  const errors: string[] = [];
  const running = await ctx.runtime.runContainer(
    {
      image: imageFor(status.flavor as Flavor, 'app'),
      name: `${status.projectName}-probe-${randomBytes(3).toString('hex')}`,
      cmd: ['node', '/probe/probe.cjs'],
      user: APP_USER,
      env: {
        PROBE_DNS: dnsAddress,
        PROBE_DOMAIN: lab.domain,
        PROBE_SCHEME: https ? 'https' : 'http',
        PROBE_PORT: String(entry?.port ?? 80),
        PROBE_INTERVAL_MS: String(options.intervalMs),
        PROBE_TIMEOUT_MS: String(options.timeoutMs),
        ...(https ? { PROBE_CA: `/tls/${TLS_FILES.cert}` } : {}),
        PROBE_UNTIL_STDIN_CLOSES: '1',
      },
      labels: { [LABEL.lab]: lab.name, [LABEL.helper]: status.projectName, [LABEL.controller]: `${os.hostname()}:${process.pid}` },
      network,
      binds: {
        [path.join(status.projectDir, path.dirname(PROBE_FILE))]: '/probe',
        ...(https ? { [path.join(status.projectDir, 'tls')]: '/tls' } : {}),
      },
    },
    (line, stream) => {
      const s = stream === 'stdout' ? parseSample(line) : undefined;
      if (s) {
        samples.push(s);
        options.onSample?.(s);
      } else if (line.trim()) errors.push(line.trim());
    },
  );
  let stopped = false;
  return {
    samples,
    removedStale,
    ended: running.finished,
    async stop() {
      if (!stopped) {
        stopped = true;
        await ctx.runtime.remove(running.id);
        await Promise.race([running.finished, ctx.sleep(2000)]);
      }
      if (samples.length === 0 && errors.length) throw failure(`the probe failed: ${errors.slice(-3).join(' | ')}`);
      return samples;
    },
  };
}

export interface Helper {
  name: string;
  state: string;
  /** probe: of watch, experiment, restart, deploy; twin: an app server's twin during a blue-green deploy; network fault: holds a latency, loss, bandwidth or partition fault until heal. */
  kind: 'probe' | 'twin' | 'network fault';
  /** A probe whose infra-lab process is gone (or that stopped): nothing reads it any more. */
  stale: boolean;
}

/** The containers infra-lab runs beside a lab's compose project, so that status can show them. */
export async function helpersOf(ctx: RunContext, projectName: string): Promise<Helper[]> {
  const helpers = await ctx.runtime.containers([`${LABEL.helper}=${projectName}`]);
  return helpers.map((c) => ({ name: c.name, state: c.state, kind: c.labels[LABEL.controller] ? 'probe' : c.labels[LABEL.fault] ? 'network fault' : 'twin', stale: isStaleProbe(c) }));
}

/**
 * A probe normally ends with its process (see runContainer); one is stale if it stopped but was
 * not removed, or if its process, on this machine, is gone: an engine that did not close its stdin.
 */
function isStaleProbe(c: ContainerInfo): boolean {
  const controller = c.labels[LABEL.controller];
  if (!controller) return false;
  if (c.state !== 'running') return true;
  const at = controller.lastIndexOf(':');
  if (controller.slice(0, at) !== os.hostname()) return false;
  try {
    process.kill(Number(controller.slice(at + 1)), 0);
    return false;
  } catch (err) {
    // EPERM: the process exists and belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function removeStaleProbes(ctx: RunContext, projectName: string): Promise<number> {
  const stale = (await ctx.runtime.containers([`${LABEL.helper}=${projectName}`, LABEL.controller])).filter(isStaleProbe);
  for (const c of stale) await ctx.runtime.remove(c.id);
  return stale.length;
}

/** Removes the helper containers of a lab (a probe of an interrupted watch, twins of an interrupted deploy). */
export async function removeHelpers(ctx: RunContext, projectName: string): Promise<number> {
  const helpers = await ctx.runtime.containers([`${LABEL.helper}=${projectName}`]);
  for (const h of helpers) await ctx.runtime.remove(h.id);
  return helpers.length;
}
