import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Lab } from '../../src/lab/model.js';
import type { Flavor } from '../../src/render/flavors.js';
import { repoRoot } from './cli.js';
import { guaranteeViolations } from './compose-guarantee.js';

export type Kind = 'line' | 'text' | 'name' | 'domain' | 'record' | 'target';
export interface Payload {
  name: string;
  value: string;
  why: string;
  expect: Record<Kind, 'reject' | 'inert'>;
}
export interface Field {
  kind: Kind;
  path: (string | number)[];
}

/** The injection corpus: hostile values, the fields they go into, and what must happen. */
export const corpus = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'injection', 'corpus.json'), 'utf8')) as {
  fields: Field[];
  payloads: Payload[];
};

const goodLab = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'good-lab.yaml'), 'utf8');

/** The good lab with one value replaced, written by the yaml library (so the file itself is valid YAML), and the line of that value. */
export function labWith(field: Field, value: string): { text: string; line: number } {
  const doc = parseDocument(goodLab);
  doc.setIn(field.path, value);
  const text = doc.toString();
  const lineCounter = new LineCounter();
  const reread = parseDocument(text, { lineCounter });
  const node = reread.getIn(field.path, true) as { range?: [number, number, number] };
  return { text, line: lineCounter.linePos(node.range![0]).line };
}

/** Files where free text of a lab may appear: the project's README, the copy of the lab file, infra-lab's own JSON record. */
const TEXT_FILES = new Set(['README.md', 'lab.yaml', 'infra-lab.json']);

/**
 * Why a rendered project is not inert for a hostile value, if it is not: the compose guarantee, and free
 * text nowhere but in comments of docker-compose.yml and in files that are not configuration.
 */
export function notInert(files: { path: string; content: string }[], lab: Lab, flavor: Flavor, field: Field, value: string): string[] {
  const compose = files.find((f) => f.path === 'docker-compose.yml')!.content;
  const problems = guaranteeViolations(compose, lab, flavor);
  // Plain words ("host") occur in configuration files anyway; what matters is the syntax of hostile text.
  if ((field.kind === 'line' || field.kind === 'text') && /[^A-Za-z0-9 ]/.test(value)) {
    for (const f of files) {
      if (TEXT_FILES.has(f.path) || !f.content.includes(value)) continue;
      const outsideComments = f.path !== 'docker-compose.yml' || f.content.split('\n').some((l) => l.includes(value) && !l.trimStart().startsWith('#'));
      if (outsideComments) problems.push(`${f.path} holds the value outside a comment`);
    }
  }
  return problems;
}
