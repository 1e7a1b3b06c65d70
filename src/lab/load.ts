import fs from 'node:fs';
import path from 'node:path';
import { labsDir, schemaFile } from '../paths.js';
import { usageError } from '../errors.js';
import { closest } from './suggest.js';
import type { Lab } from './model.js';
import { checkLab } from './check.js';
import { toLab, type RawLab } from './defaults.js';
import { parseYamlDocument, readYamlText, shownPath, type DocumentKind } from './yaml-document.js';

export const LAB_FILE: DocumentKind = {
  noun: 'lab file',
  whole: 'the lab',
  shape: 'a lab file is a YAML mapping with name, title, stage, description, domain, networks, components, dns and entrypoints',
  schema: schemaFile,
  check: checkLab,
};

/** The files of the labs shipped with infra-lab. */
export const builtinLabFiles = () => fs.readdirSync(labsDir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(labsDir, f));

/** The labs shipped with infra-lab, in curriculum order (their files say their stage). */
export function builtinLabs(): Lab[] {
  return builtinLabFiles()
    .map(loadLabFile)
    .sort((a, b) => a.stage - b.stage || a.name.localeCompare(b.name));
}

/** Whether a reference names a file (a path, or a .yaml name) rather than a lab or exercise by name. */
export const looksLikeLabFile = (ref: string) => /[\\/]/.test(ref) || /\.ya?ml$/.test(ref);

/** A lab by built-in name or by file path. */
export function resolveLab(ref: string): Lab {
  if (looksLikeLabFile(ref)) return loadLabFile(ref);
  const file = path.join(labsDir, `${ref}.yaml`);
  if (!builtinLabFiles().includes(file)) {
    const known = builtinLabs().map((l) => l.name);
    const hint = closest(ref, known);
    throw usageError(
      `unknown lab '${ref}'${hint ? ` (did you mean '${hint}'?)` : ''}; built-in labs: ${known.join(', ')}; or give the path of a lab file`,
    );
  }
  return loadLabFile(file);
}

export function loadLabFile(file: string): Lab {
  const shown = shownPath(file);
  return parseLab(readLabText(file, shown), shown);
}

export const readLabText = (file: string, shown = file) => readYamlText(file, LAB_FILE, shown);

/** Parse and validate lab YAML; `file` is only used in messages and as the lab's source. */
export const parseLab = (text: string, file: string): Lab => toLab(parseYamlDocument(text, file, LAB_FILE) as RawLab, file);

