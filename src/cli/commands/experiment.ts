import type { Flavor } from '../../render/flavors.js';
import type { RunContext } from '../../run/context.js';
import { runExperiment } from '../../run/experiment.js';
import { ExitCode, ExitError } from '../../errors.js';
import { progressPrinter } from '../progress.js';
import { presentReport } from '../report.js';
import type { Output } from '../output.js';

export interface ExperimentCommandOptions {
  flavor?: Flavor;
  hold: number;
  interval: number;
  timeout: number;
  json?: boolean;
  verbose?: boolean;
}

/** `infra-lab experiment <lab> <scenario>`: measure a scenario; exit 1 when the measurement contradicts the lab's expectation. */
export async function experimentCommand(ref: string, scenario: string, options: ExperimentCommandOptions, ctx: RunContext, output: Output): Promise<void> {
  const report = await runExperiment(
    ctx,
    ref,
    scenario,
    { flavor: options.flavor, holdMs: options.hold * 1000, intervalMs: options.interval, timeoutMs: options.timeout },
    progressPrinter(output, !!options.verbose),
  );
  await presentReport(ctx.home, report, !!options.json, output);
  if (report.verdict && !report.verdict.ok) throw new ExitError(`${report.lab}/${scenario}: the measurement contradicts the lab's expectation`, ExitCode.failed);
}
