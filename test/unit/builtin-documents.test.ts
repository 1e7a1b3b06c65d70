import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinLabFiles, LAB_FILE } from '../../src/lab/load.js';
import { builtinExerciseFiles, EXERCISE_FILE } from '../../src/classroom/exercise.js';
import { builtinDataFile, documentDigest, parseAndValidate, parseYamlDocument, readYamlText, type DocumentKind } from '../../src/lab/yaml-document.js';

/**
 * The build parses the built-in labs and exercises into dist/ (scripts/parse-builtins.mjs); commands
 * use that data only for the very text and schema it was made from, and it is what parsing gives.
 */
const builtData = () => JSON.parse(fs.readFileSync(builtinDataFile, 'utf8')) as Record<string, unknown>;

const cases: [string, DocumentKind, string[]][] = [
  ['lab', LAB_FILE, builtinLabFiles()],
  ['exercise', EXERCISE_FILE, builtinExerciseFiles()],
];

describe.each(cases)('each built-in %s file', (_, kind, files) => {
  test.each(files.map((f) => [path.basename(f), f]))('%s: the build parsed this very text, into what parsing it gives (run npm run build after editing it)', (_name, file) => {
    const text = readYamlText(file, kind);
    const built = builtData()[documentDigest(text, kind)];
    expect(built).toBeDefined();
    expect(built).toEqual(parseAndValidate(text, file, kind));
    expect(parseYamlDocument(text, file, kind)).toEqual(built);
  });
});

test('each caller gets data of its own, which it may change', () => {
  const text = readYamlText(builtinLabFiles()[0], LAB_FILE);
  const first = parseYamlDocument(text, 'a.yaml', LAB_FILE) as { title: string };
  first.title = 'changed';
  expect((parseYamlDocument(text, 'a.yaml', LAB_FILE) as { title: string }).title).not.toBe('changed');
});

test('a built-in lab edited since the build is parsed, and its errors name the file', () => {
  const text = readYamlText(builtinLabFiles()[0], LAB_FILE).replace(/^title: .*$/m, 'title: Edited since the build');
  expect(builtData()[documentDigest(text, LAB_FILE)]).toBeUndefined();
  expect((parseYamlDocument(text, 'edited.yaml', LAB_FILE) as { title: string }).title).toBe('Edited since the build');
  expect(() => parseYamlDocument(text.replace(/^domain: .*$/m, 'domain: nodots'), 'edited.yaml', LAB_FILE)).toThrow(/^edited\.yaml:\d+:\d+: domain: 'nodots' is not a valid domain name/);
});

test('a built-in lab under a schema edited since the build is validated again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-schema-'));
  const schema = path.join(dir, 'lab.schema.json');
  fs.writeFileSync(schema, JSON.stringify({ type: 'object', required: ['only_this'] }));
  const kind = { ...LAB_FILE, schema };
  const text = readYamlText(builtinLabFiles()[0], LAB_FILE);
  expect(builtData()[documentDigest(text, kind)]).toBeUndefined();
  expect(() => parseYamlDocument(text, 'lab.yaml', kind)).toThrow(/missing the required field 'only_this'/);
  fs.rmSync(dir, { recursive: true });
});
