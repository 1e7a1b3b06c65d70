import { builtinLabs } from '../../lab/load.js';
import type { Output } from '../output.js';
import { table } from '../output.js';

export interface LabsOptions {
  json?: boolean;
}

/** `infra-lab labs`: the built-in labs, one per curriculum stage. */
export async function labsCommand(options: LabsOptions, output: Output): Promise<void> {
  const labs = builtinLabs();
  if (options.json) {
    output.out(JSON.stringify(labs.map((l) => ({ name: l.name, stage: l.stage, title: l.title, components: l.components.length, scenarios: l.scenarios.map((s) => s.name) })), null, 2));
    return;
  }
  for (const line of table(
    ['LAB', 'STAGE', 'COMPONENTS', 'SCENARIOS', 'TITLE'],
    labs.map((l) => [l.name, String(l.stage), String(l.components.length), String(l.scenarios.length), l.title]),
  ))
    output.out(line);
  output.out();
  output.out('Details: infra-lab show <lab>. Start one: infra-lab up <lab>.');
}
