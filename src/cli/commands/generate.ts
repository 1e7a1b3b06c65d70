import fs from 'node:fs';
import path from 'node:path';
import { resolveLab } from '../../lab/load.js';
import { checkProjectTarget } from '../../project/target.js';
import { saveProject } from '../../project/save.js';
import { labTextOfCopy } from '../../render/generate.js';
import type { Flavor } from '../../render/flavors.js';
import type { Output } from '../output.js';

export interface GenerateCommandOptions {
  output?: string;
  flavor: Flavor;
  json?: boolean;
}

/** `infra-lab generate <lab|file>`: render a lab into a standalone compose project. */
export async function generateCommand(ref: string, options: GenerateCommandOptions, output: Output): Promise<void> {
  // The target is checked before the lab file is read: a bad -o answers at once, whatever the lab.
  if (options.output) checkProjectTarget(options.output);
  const lab = resolveLab(ref);
  const outDir = path.resolve(options.output ?? lab.name);
  const result = await saveProject(outDir, lab, labTextOfCopy(fs.readFileSync(lab.source, 'utf8')), path.resolve(lab.source), { flavor: options.flavor });
  if (options.json) {
    output.out(JSON.stringify({ directory: outDir, ...result.info, files: result.files }, null, 2));
    return;
  }
  output.out(`Generated ${lab.name} (${options.flavor} images) in ${outDir}: ${result.files.length} files.`);
  output.out(`It runs without infra-lab: cd ${path.relative(process.cwd(), outDir) || '.'} && docker compose up -d`);
}
