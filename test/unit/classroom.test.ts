import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinExercises, CHECK_KINDS, EXERCISE_FILE, resolveExercise, startLabFile } from '../../src/classroom/exercise.js';
import { parseYamlDocument } from '../../src/lab/yaml-document.js';
import { submissionAt, validateSubmission } from '../../src/classroom/submission.js';
import { csvLine, parseCsv } from '../../src/classroom/grade.js';
import { parseCheckArgs } from '../../src/cli/commands/check.js';
import { selectComponents } from '../../src/classroom/checks/select.js';
import { resolveLab } from '../../src/lab/load.js';
import { repoRoot } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-classroom-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const refusal = (f: () => unknown): Error & { code?: number } => {
  try {
    f();
  } catch (e) {
    return e as Error & { code?: number };
  }
  throw new Error('not refused');
};
const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schema', 'exercise.schema.json'), 'utf8'));

test('the package ships at least six exercises, one per stage and more, each with checks and points', () => {
  const all = builtinExercises();
  expect(all.length).toBeGreaterThanOrEqual(6);
  expect([...new Set(all.map((e) => e.stage))].sort()).toEqual([1, 2, 3, 4]);
  for (const e of all) {
    expect(e.checks.length).toBeGreaterThan(0);
    expect(e.checks.every((c) => c.points >= 0 && CHECK_KINDS.includes(c.kind))).toBe(true);
  }
});

test('every exercise starts from a lab file that exists; all but the empty template validate', () => {
  for (const e of builtinExercises()) {
    const file = startLabFile(e);
    expect(fs.existsSync(file)).toBe(true);
    if (e.start !== 'empty.yaml') expect(resolveLab(file).domain).toBe(e.rules.domain ?? 'foobar.com');
  }
});

test('the schema offers exactly the kinds of check infra-lab can run', () => {
  const kinds = Object.keys(schema.properties.checks.items.properties).filter((k) => !['id', 'title', 'points', 'hint'].includes(k));
  expect(kinds.sort()).toEqual([...CHECK_KINDS].sort());
});

test('an exercise file error names file, line and field', () => {
  const bad = (text: string) => refusal(() => parseYamlDocument(text, 'ex.yaml', EXERCISE_FILE));
  const base = 'id: ex\ntitle: T\nstage: 2\ntask: do it\nstart: { lab: single-server }\nchecks:\n';
  expect(bad(`${base}  - { id: a, title: A, surviv: { each: { role: app }, max_failed: 0 } }\n`).message).toBe(
    "ex.yaml:7:24: unknown field 'surviv' in checks[0] (did you mean 'survive'?); allowed: id, title, points, hint, page, persists, survive, isolated, https, monitor, throughput, self_heal, prediction",
  );
  expect(bad(`${base}  - { id: a, title: A, page: {}, https: {} }\n`).message).toBe('ex.yaml:7:5: checks[0] (a): a check has exactly one kind, one of page, persists, survive, isolated, https, monitor, throughput, self_heal, prediction; found page, https');
  expect(bad(`${base}  - { id: a, title: A, survive: { each: { role: app } } }\n`).message).toMatch(/^ex\.yaml:7:\d+: checks\[0\]\.survive: say what must hold/);
  expect(bad(`${base}  - { id: a, title: A, page: {} }\n  - { id: a, title: B, https: {} }\n`).message).toBe("ex.yaml:8:11: checks[1]: the check id 'a' is used twice");
  expect(bad(`${base}  - { id: a, title: A, prediction: {} }\n`).message).toMatch(/give the exercise an answers field/);
  expect(bad('id: ex\n').code).toBe(2);
});

test('an unknown exercise suggests the closest', () => {
  expect(refusal(() => resolveExercise('stage-2-redundency')).message).toMatch(/^unknown exercise 'stage-2-redundency' \(did you mean 'stage-2-redundancy'\?\); exercises: /);
});

describe('a submission', () => {
  const exercise = resolveExercise('stage-2-redundancy');
  const folder = (name: string, lab: string, answers?: string) => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'lab.yaml'), lab);
    if (answers !== undefined) fs.writeFileSync(path.join(dir, 'answers.yaml'), answers);
    return dir;
  };
  const distributed = fs.readFileSync(path.join(repoRoot, 'labs', 'distributed.yaml'), 'utf8');

  test('is a folder with lab.yaml, or a lab file', () => {
    const dir = folder('plain', distributed);
    expect(submissionAt(dir).labFile).toBe(path.join(dir, 'lab.yaml'));
    expect(submissionAt(path.join(dir, 'lab.yaml')).dir).toBe(dir);
    expect(refusal(() => submissionAt(tmp)).message).toMatch(/the folder has no lab\.yaml; infra-lab exercise start <id>/);
  });

  test("must keep the exercise's domain and stay within its container budget", () => {
    expect(validateSubmission(exercise, submissionAt(folder('ok', distributed))).lab.name).toBe('distributed');
    expect(refusal(() => validateSubmission(exercise, submissionAt(folder('domain', distributed.replace('domain: foobar.com', 'domain: example.org'))))).message).toMatch(
      /the lab's domain is example\.org; this exercise keeps it foobar\.com$/,
    );
    const big = distributed.replace('{ name: app-2, role: app, server: server-2,', '{ name: app-2, role: app, server: server-2, replicas: 1, max_replicas: 9,');
    expect(refusal(() => validateSubmission(exercise, submissionAt(folder('big', big)))).message).toMatch(/runs up to 16 containers .* allows at most 10$/);
  });

  test('of a prediction exercise needs an answers file naming only the lab\'s components, each answered', () => {
    const predict = resolveExercise('predict-spof');
    expect(refusal(() => validateSubmission(predict, submissionAt(folder('no-answers', distributed)))).message).toMatch(/needs the answers file answers\.yaml/);
    expect(refusal(() => validateSubmission(predict, submissionAt(folder('blank', distributed, predict.answers)))).message).toMatch(/answers\.yaml:\d+:\d+: components\.dns\.spof must be true or false/);
    expect(refusal(() => validateSubmission(predict, submissionAt(folder('stranger', distributed, 'components:\n  cache: { spof: true, outage_s: 3 }\n')))).message).toMatch(
      /answers\.yaml: the lab has no component cache; its components: dns, lb/,
    );
    expect(validateSubmission(predict, submissionAt(folder('answered', distributed, 'components:\n  lb: { spof: true, outage_s: 6 }\n'))).answers).toEqual({ components: { lb: { spof: true, outage_s: 6 } } });
  });
});

test('check takes [exercise] [folder or lab file]', () => {
  expect(parseCheckArgs([])).toEqual({ target: '.' });
  expect(parseCheckArgs([tmp])).toEqual({ target: tmp });
  expect(parseCheckArgs(['stage-2-redundancy'])).toEqual({ exerciseRef: 'stage-2-redundancy', target: '.' });
  expect(parseCheckArgs(['stage-2-redundancy', tmp])).toEqual({ exerciseRef: 'stage-2-redundancy', target: tmp });
});

test('selectors pick components by role, name, replica and primary', () => {
  const lab = resolveLab('distributed');
  const names = (s: Parameters<typeof selectComponents>[1]) => selectComponents(lab, s).map((c) => c.name);
  expect(names({ role: 'app' })).toEqual(['app-1', 'app-2']);
  expect(names({ role: 'db', replica: true })).toEqual(['db-replica']);
  expect(names({ role: 'db', primary: true })).toEqual(['db-primary']);
  expect(names({ component: 'lb' })).toEqual(['lb']);
});

test('CSV cells that students control are quoted, formulas defused, and read back as written', () => {
  const cells = ['ann, the "second"', '=HYPERLINK("x")', '-1+1', 'line\nbreak', 'plain', "it's", '@SUM(A1)'];
  const line = csvLine(cells);
  expect(line).toBe('"ann, the ""second""","\'=HYPERLINK(""x"")","\'-1+1","line\nbreak",plain,"it\'s","\'@SUM(A1)"');
  expect(parseCsv(`${line}\n`)).toEqual([cells]);
});

describe('an exercise file a teacher did not write', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-exercise-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const builtin = fs.readFileSync(path.join(repoRoot, 'exercises', 'stage-1-one-server.yaml'), 'utf8');
  const load = (text: string) => {
    const file = path.join(dir, 'exercise.yaml');
    fs.writeFileSync(file, text);
    return () => resolveExercise(file);
  };
  test.each(['total', 'points', 'error', 'student'])("a check named '%s', a column of the results CSV, is refused", (id) => {
    expect(load(builtin.replace('  - id: page', `  - id: ${id}`))).toThrow(new RegExp(`'${id}' is a column of the results CSV`));
  });
  test('a rules.domain with an escape sequence is refused, and the message shows it escaped', () => {
    const run = load(builtin.replace('domain: foobar.com,', 'domain: "foo\\e[2Jbar.com",'));
    expect(run).toThrow(/domain/);
    expect(run).toThrow(/\\u001b/);
    expect(run).not.toThrow(/\u001b/);
  });
});
