import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLabFile } from '../../src/lab/load.js';
import { YamlFileError } from '../../src/lab/yaml-document.js';
import { renderProject } from '../../src/render/project.js';
import { projectEnv } from '../../src/render/secrets.js';
import { corpus, labWith, notInert } from '../helpers/injection.js';

// Every hostile value in every field of its kind, through the loader and the renderer (the real
// binary runs a sample of these in test/cli/injection.test.ts).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-injection-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cases = corpus.payloads.flatMap((p) => corpus.fields.map((f) => [`${p.name} in ${f.path.join('.')}`, p, f] as const));

test('the corpus covers every kind of field with rejected and inert values', () => {
  expect(cases.length).toBeGreaterThanOrEqual(300);
  for (const kind of ['line', 'text', 'name', 'domain', 'record', 'target'] as const) {
    expect(corpus.fields.some((f) => f.kind === kind)).toBe(true);
    expect(corpus.payloads.some((p) => p.expect[kind] === 'reject')).toBe(true);
  }
});

test.each(cases)('%s', (_title, payload, field) => {
  const { text, line } = labWith(field, payload.value);
  const file = path.join(tmp, `${payload.name}-${field.path.join('-')}.yaml`);
  fs.writeFileSync(file, text);
  if (payload.expect[field.kind] === 'reject') {
    let error: unknown;
    try {
      loadLabFile(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(YamlFileError);
    expect([(error as YamlFileError).line, (error as YamlFileError).message.split('\n').length]).toEqual([line, 1]);
    return;
  }
  const lab = loadLabFile(file);
  for (const flavor of ['official', 'debian'] as const) {
    const files = renderProject({ lab, flavor, projectName: `infra-lab-${lab.name}`, block: '10.150.20', env: projectEnv('p', []), appServer: '//\n', now: new Date(0), version: '0.0.0-test' });
    expect(notInert(files, lab, flavor, field, payload.value)).toEqual([]);
  }
});
