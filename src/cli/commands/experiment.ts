import { resolveLab } from '../../lab/load.js';
import type { Flavor } from '../../render/flavors.js';
import type { RunContext } from '../../run/context.js';
import { runExperiment } from '../../run/experiment.js';
import { ExitCode, ExitError } from '../../errors.js';
import { progressPrinter } from '../progress.js';
import { presentReport } from '../report.js';
import type { Output } from '../output.js';

export interface ExperimentCommandOptions {
  flavor: Flavor;
  hold: number;
  interval: number;
  timeout: number;
  json?: boolean;
  verbose?: boolean;
}

/** `infra-lab experiment <lab> <scenario>`: measure a scenario; exit 1 when the measurement contradicts the lab's expectation. */
export async function experimentCommand(ref: string, scenario: string, options: ExperimentCommandOptions, ctx: RunContext, output: Output): Promise<void> {
  const lab = resolveLab(ref);
  const report = await runExperiment(
    ctx,
    lab,
    scenario,
    { flavor: options.flavor, holdMs: options.hold * 1000, baselineMs: 3000, intervalMs: options.interval, timeoutMs: options.timeout, recoveryTimeoutMs: 120_000, loadSeconds: 10 },
    progressPrinter(output, !!options.verbose),
  );
  await presentReport(ctx.home, report, !!options.json, output);
  if (report.verdict && !report.verdict.ok) throw new ExitError(`${lab.name}/${scenario}: the measurement contradicts the lab's expectation`, ExitCode.failed);
}
