import { usageError } from '../errors.js';
import { componentsWithRole, type Lab, type Scenario } from '../lab/model.js';
import { selectTargets } from '../faults/faults.js';
import { buildReport, type ExperimentReport } from '../measure/report.js';
import { readLabCa } from '../project/project.js';
import type { RunContext } from './context.js';
import { currentVersions, deploy, nextVersion, refusal } from './deploy.js';
import type { Strategy } from '../lab/model.js';
import type { Progress } from './events.js';
import { measure, restartComponent, type MeasureOptions } from './experiment.js';
import { targetLab, type LabStatus } from './labs.js';
import { runLoad, type LoadResult } from './load.js';
import { lockLab } from './lock.js';
import { checkScale, scale } from './scale.js';

/**
 * Maintenance of a running lab as use cases: each checks everything it is given before it touches
 * the lab (no probe starts for a name that does not exist), then acts while the probe watches and
 * returns a report, judged by the lab file's scenario for the same action when it has one.
 */

type ScenarioLike = Omit<Scenario, 'expect'> & { expect?: Scenario['expect'] };

async function measured(ctx: RunContext, status: LabStatus, scenario: ScenarioLike, options: MeasureOptions, progress: Progress, act: () => Promise<void>): Promise<ExperimentReport> {
  return lockLab(ctx, status.lab, progress, async () => {
    const m = await measure(ctx, status, options, progress, async () => {
      await act();
      return undefined;
    });
    return buildReport({ lab: status.project.lab, scenario, options: { flavor: status.flavor, intervalMs: options.intervalMs }, ...m });
  });
}

/** A maintenance restart of a component, measured. */
export async function measuredRestart(ctx: RunContext, options: MeasureOptions & { lab?: string; component: string }, progress: Progress): Promise<ExperimentReport> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, options.lab);
  const lab = status.project.lab;
  selectTargets(options.component, status.services.flatMap((s) => s.containers), status.services.map((s) => s.component));
  const scenario = lab.scenarios.find((s) => s.action.kind === 'restart' && s.action.component === options.component) ?? {
    name: `restart-${options.component}`,
    title: `Maintenance restart of ${options.component}`,
    action: { kind: 'restart' as const, component: options.component },
  };
  return measured(ctx, status, scenario, options, progress, () => restartComponent(ctx, status, options.component));
}

export interface DeployRequest extends MeasureOptions {
  lab?: string;
  strategy: Strategy;
  version?: string;
  /** Deploy even the version that already runs. */
  force?: boolean;
}

/** Ships a version of the app code base with a strategy, measured. */
export async function measuredDeploy(ctx: RunContext, request: DeployRequest, progress: Progress): Promise<ExperimentReport> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, request.lab);
  const lab = status.project.lab;
  const why = refusal(lab, request.strategy);
  if (why) throw usageError(why);
  const running = currentVersions(status.project);
  const version = request.version ?? nextVersion(running);
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(version)) throw usageError(`a version is up to 32 letters, digits, '.', '_' or '-' (got '${version}')`);
  const apps = componentsWithRole(lab, 'app').map((c) => c.name);
  // Nothing would change, and a lesson must not report a failure the user did not cause.
  if (!request.force && apps.every((a) => running[a] === version))
    throw usageError(`${lab.name} already runs version ${version} (${apps.join(', ')}); deploy another with --version, or replace the servers with the same version with --force`);
  const scenario = lab.scenarios.find((s) => s.action.kind === 'deploy' && s.action.strategy === request.strategy) ?? {
    name: `deploy-${request.strategy}`,
    title: `Deploying version ${version}, ${request.strategy}`,
    action: { kind: 'deploy' as const, strategy: request.strategy },
  };
  return measured(ctx, status, scenario, request, progress, () => deploy(ctx, lab, status, request.strategy, version, progress));
}

/** More or fewer replicas of a component the lab lets scale. */
export async function scaleLab(ctx: RunContext, request: { lab?: string; component: string; replicas: number }, progress: Progress): Promise<LabStatus> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, request.lab);
  checkScale(status.project.lab, request.component, request.replicas);
  return lockLab(ctx, status.lab, progress, () => scale(ctx, status, request.component, request.replicas));
}

/** HTTP load through the user's entry point. */
export async function loadLab(
  ctx: RunContext,
  request: { lab?: string; path: string; connections: number; durationS: number; rate?: number; onStart?: (url: string, host: string) => void; onSecond?: (second: number, responses: number) => void },
): Promise<{ lab: Lab; projectDir: string; startedAt: number; result: LoadResult }> {
  await ctx.runtime.ping();
  const status = await targetLab(ctx, request.lab);
  const lab = status.project.lab;
  const url = status.endpoints.https ?? status.endpoints.http;
  if (!url) throw usageError(`${lab.name} publishes no HTTP entry point`);
  const host = `www.${lab.domain}`;
  request.onStart?.(url, host);
  const startedAt = ctx.clock();
  const result = await runLoad(ctx, status, {
    url,
    host,
    ca: url.startsWith('https') ? readLabCa(status.projectDir) : undefined,
    path: request.path,
    connections: request.connections,
    durationS: request.durationS,
    rate: request.rate,
    onSecond: request.onSecond,
  });
  return { lab, projectDir: status.projectDir, startedAt, result };
}
