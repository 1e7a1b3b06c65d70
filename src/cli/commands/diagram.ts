import fs from 'node:fs';
import path from 'node:path';
import { resolveLab } from '../../lab/load.js';
import { topologyOf } from '../../report/topology.js';
import { renderDiagram, type DiagramFormat } from '../../report/diagram.js';
import type { Output } from '../output.js';

export interface DiagramCommandOptions {
  output?: string;
  format: DiagramFormat;
  json?: boolean;
}

/** `infra-lab diagram <lab|file>`: the whiteboard drawing of a lab, with its single points of failure. */
export async function diagramCommand(ref: string, options: DiagramCommandOptions, output: Output): Promise<void> {
  const topology = topologyOf(resolveLab(ref));
  if (options.json) {
    output.out(JSON.stringify(topology, null, 2));
    return;
  }
  const text = await renderDiagram(topology, options.format);
  if (!options.output) {
    output.out(text.trimEnd());
    return;
  }
  fs.writeFileSync(options.output, text);
  const spofs = topology.components.filter((c) => c.spof).map((c) => (c.spof === 'all' ? c.name : `${c.name} (for ${c.spof})`));
  output.out(`Wrote the ${options.format} diagram of ${topology.lab} to ${path.resolve(options.output)}.`);
  output.out(`Single points of failure: ${spofs.join(', ') || 'none'}.`);
}
