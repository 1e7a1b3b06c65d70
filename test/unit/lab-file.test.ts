import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLabFile, readLabText } from '../../src/lab/load.js';
import { MAX_YAML_FILE_BYTES, openProblem, YamlFileError } from '../../src/lab/yaml-document.js';
import { ExitError } from '../../src/errors.js';
import { repoRoot } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-lab-lab-file-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const good = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'good-lab.yaml'), 'utf8');

const refusal = (f: () => unknown): ExitError => {
  try {
    f();
  } catch (e) {
    return e as ExitError;
  }
  throw new Error('not refused');
};

test('a UTF-8 file with a byte order mark (as Windows editors save it) loads', () => {
  const file = path.join(tmp, 'bom.yaml');
  fs.writeFileSync(file, `\ufeff${good}`);
  expect(loadLabFile(file).title).toBe('A tiny lab');
});

test('a file exactly at the size limit is read; one byte more is refused before reading', () => {
  const file = path.join(tmp, 'limit.yaml');
  fs.writeFileSync(file, good.padEnd(MAX_YAML_FILE_BYTES - 1, '#').concat('\n'));
  expect(readLabText(file)).toHaveLength(MAX_YAML_FILE_BYTES);
  fs.appendFileSync(file, '#');
  const e = refusal(() => readLabText(file, 'limit.yaml'));
  expect([e.code, e.message]).toEqual([2, `limit.yaml: is 257 KiB; a lab file may be at most 256 KiB`]);
});

test('errors opening a lab file say what happened and what to do, in one line', () => {
  const err = (code: string) => Object.assign(new Error(code), { code }) as NodeJS.ErrnoException;
  expect(openProblem(err('EACCES'))).toBe("cannot be read (permission denied); check the file's permissions or copy it somewhere you can read");
  expect(openProblem(err('EPERM'))).toBe(openProblem(err('EACCES')));
  expect(openProblem(err('ENOENT'))).toBe('lab file not found');
  expect(openProblem(err('EISDIR'))).toContain('is a folder');
  expect(openProblem(err('EIO'))).toBe('cannot be read (EIO)');
});

test('a message quoting hostile text stays one line', () => {
  const e = new YamlFileError('a\nb.yaml', 1, 2, "title: 'x\ny\r\u2028z'");
  expect(e.message).toBe("a\\nb.yaml:1:2: title: 'x\\ny\\u000d\\u2028z'");
  expect(e.code).toBe(2);
});

test('a few aliases, as people use them for repeated values, are fine', () => {
  const file = path.join(tmp, 'aliases.yaml');
  fs.writeFileSync(file, good.replace('  - name: public', '  - name: &pub public').replace('networks: [public]', 'networks: [*pub]'));
  expect(loadLabFile(file).components[0].networks).toEqual(['public']);
});
