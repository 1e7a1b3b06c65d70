import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { AJV_OPTIONS, loadValidator, precompiledValidatorFile } from '../../src/lab/yaml-document.js';
import { exercisesDir, labsDir, packageRoot } from '../../src/paths.js';

/**
 * The validators the build precompiles (scripts/compile-schemas.mjs) are the ones commands use, and
 * they say exactly what the schema compiled at run time says: same errors, same order, same details.
 */
const schemaOf = (name: string) => path.join(packageRoot, 'schema', `${name}.schema.json`);
const compiled = (file: string) => new Ajv(AJV_OPTIONS).compile(JSON.parse(fs.readFileSync(file, 'utf8')));
const yamlFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>);

/** A valid document and variants of it that break it in each way a schema names: unknown, missing, wrong type, out of range. */
function variants(doc: Record<string, unknown>): unknown[] {
  const out: unknown[] = [doc, { ...doc, unknown_field: 1 }, [], 'text', null];
  for (const [key, value] of Object.entries(doc)) {
    const { [key]: _dropped, ...without } = doc;
    out.push(without, { ...doc, [key]: 42 }, { ...doc, [key]: 'x'.repeat(300) }, { ...doc, [key]: [value] }, { ...doc, [key]: { nested: value } });
    if (Array.isArray(value) && value.length > 0) out.push({ ...doc, [key]: [{ ...(value[0] as object), name: 'Bad Name!', role: 'nope', extra: true }] });
  }
  return out;
}

const cases: [string, Record<string, unknown>[]][] = [
  ['lab', yamlFiles(labsDir)],
  ['exercise', yamlFiles(exercisesDir)],
  ['answers', [{ components: { 'app-1': { spof: false }, db: { spof: true, outage_s: 5 } } }]],
];

describe.each(cases)('the %s schema', (name, docs) => {
  const file = schemaOf(name);

  test('commands use the validator the build made from this very schema (run npm run build after editing it)', () => {
    expect(fs.existsSync(precompiledValidatorFile(file))).toBe(true);
    expect((loadValidator(file) as ValidateFunction & { digest?: string }).digest).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the precompiled validator gives the same verdict and errors as the compiled schema', () => {
    const pre = loadValidator(file);
    const now = compiled(file);
    const inputs = docs.flatMap(variants);
    let rejected = 0;
    for (const input of inputs) {
      const ok = pre(input);
      expect(now(input)).toBe(ok);
      expect(pre.errors ?? null).toEqual(now.errors ?? null);
      if (!ok) rejected++;
    }
    // Both verdicts occur, so the comparison covers the error objects too.
    expect(rejected).toBeGreaterThan(inputs.length / 2);
    expect(rejected).toBeLessThan(inputs.length);
  });
});

test('a precompiled validator made from another schema text is not used: the schema is compiled instead', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-schema-'));
  const edited = path.join(dir, 'lab.schema.json');
  fs.writeFileSync(edited, JSON.stringify({ type: 'object', required: ['only_this'] }));
  const validate = loadValidator(edited) as ValidateFunction & { digest?: string };
  expect(validate.digest).toBeUndefined();
  expect(validate({ only_this: 1 })).toBe(true);
  expect(validate({ name: 'single-server' })).toBe(false);
  fs.rmSync(dir, { recursive: true });
});
