import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { csvLine, parseCsv } from '../../src/classroom/grade.js';
import { parseLab } from '../../src/lab/load.js';

// Every file check, grade and exercise start read or write goes through src/fs/safe-file.ts: these modules may
// not open, read or write files themselves (reading the package's own exercise list is the one allowed call).
const modules = [
  ...fs.readdirSync(path.join(repoRoot, 'src', 'classroom'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join('src', 'classroom', f)),
  ...['check', 'grade', 'exercises'].map((c) => path.join('src', 'cli', 'commands', `${c}.ts`)),
];
const DIRECT = /fs\.(readFileSync|writeFileSync|appendFileSync|openSync|createReadStream|createWriteStream|copyFileSync)\(/g;

test.each(modules)('%s reads and writes files only through the safe reader and writer', (file) => {
  const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
  expect(text.match(DIRECT) ?? []).toEqual([]);
});

test('the modules that read submissions use the safe reader, those that write use the safe writer', () => {
  const uses = (file: string, name: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8').includes(name);
  expect(uses('src/classroom/submission.ts', 'readInside(')).toBe(true);
  expect(uses('src/classroom/grade.ts', 'readTextInside(')).toBe(true);
  expect(uses('src/cli/commands/grade.ts', 'writeSafely(')).toBe(true);
  expect(uses('src/cli/commands/exercises.ts', 'createNewFile(')).toBe(true);
});

const FORMULA_LIKE = ["'=bob", ' =x', '\uff1dx', "''a", '+1', '-1', '@a', '\t=x'];
test.each([...FORMULA_LIKE, 'plain'])('the CSV cell %j reads back as written', (cell) => {
  expect(parseCsv(csvLine([cell, 'b']))).toEqual([[cell, 'b']]);
});
test.each(FORMULA_LIKE)('the CSV cell %j is written behind an apostrophe, which a spreadsheet shows as text', (cell) => {
  expect(csvLine([cell])).toMatch(/^"'/);
});
test('a plain cell is written as it is', () => expect(csvLine(['plain'])).toBe('plain'));

const good = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'good-lab.yaml'), 'utf8');
const refused = (text: string) => {
  try {
    parseLab(text, 'lab.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};
test.each([
  ['an NS record to a CNAME', '    - { name: "@", type: NS, target: www }\n', /'www' is a CNAME; an NS record must name a server with an address/],
  ['an NS record to a name without an address', '    - { name: "@", type: NS, target: ns9 }\n', /'ns9' has no A record in the zone/],
  ['NS records only below the apex', '    - { name: sub, type: NS, target: www }\n', /an NS record names the zone's own name server, at '@'/],
  ['ns1 as a CNAME', '    - { name: ns1, type: CNAME, target: "@" }\n', /ns1 is the zone's name server/],
])('generate refuses %s with file:line', (_what, record, says) => {
  const text = good.replace('entrypoints:', `${record}entrypoints:`.replace(/^ {4}/, '    '));
  expect(refused(text)).toMatch(/^lab\.yaml:\d+:\d+: /);
  expect(refused(text)).toMatch(says);
});

test('a lab of 1000 components is refused at the first one the address plan cannot hold', () => {
  const many = Array.from({ length: 1000 }, (_, i) => `  - { name: extra-${i}, role: db, networks: [private], replica_of: db }\n`).join('');
  const text = good.replace('dns:\n', `${many}dns:\n`);
  expect(refused(text)).toMatch(/components\[118\] \(extra-114\): the address plan .* at most 118 components/);
});
