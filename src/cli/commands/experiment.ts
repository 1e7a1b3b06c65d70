import { resolveLab } from '../../lab/load.js';
import type { Flavor } from '../../render/flavors.js';
import type { RunContext } from '../../run/context.js';
import { runExperiment, saveReport } from '../../run/experiment.js';
import { ExitCode, ExitError } from '../../errors.js';
import { progressPrinter } from '../progress.js';
import { formatReport, reportMarkdown } from '../report.js';
import type { Output } from '../output.js';
import path from 'node:path';

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
    { flavor: options.flavor, holdMs: options.hold * 1000, baselineMs: 3000, intervalMs: options.interval, timeoutMs: options.timeout, recoveryTimeoutMs: 120_000 },
    progressPrinter(output, !!options.verbose),
  );
  const files = saveReport(path.join(ctx.home, 'labs', lab.name), report, reportMarkdown(report));
  if (options.json) output.out(JSON.stringify({ ...report, files }, null, 2));
  else {
    for (const line of formatReport(report)) output.out(line);
    output.out(`\nreport: ${files.markdown} (and .json)`);
  }
  if (!report.verdict.ok) throw new ExitError(`${lab.name}/${scenario}: the measurement contradicts the lab's expectation`, ExitCode.failed);
}
