// Parses and validates the built-in labs and exercises once, at build time, into one JSON file of
// their data by digest (src/lab/yaml-document.ts, builtinData): `infra-lab labs` then loads no YAML
// parser and parses nothing. A file edited since the build does not match its digest and is parsed
// as before. Runs on tsc's output in build/, after compile-schemas.mjs.
import fs from 'node:fs';
import { builtinLabFiles, LAB_FILE } from '../build/lab/load.js';
import { builtinExerciseFiles, EXERCISE_FILE } from '../build/classroom/exercise.js';
import { builtinDataFile, documentDigest, parseAndValidate, readYamlText } from '../build/lab/yaml-document.js';

const data = {};
for (const [files, kind] of [[builtinLabFiles(), LAB_FILE], [builtinExerciseFiles(), EXERCISE_FILE]])
  for (const file of files) {
    const text = readYamlText(file, kind);
    data[documentDigest(text, kind)] = parseAndValidate(text, file, kind);
  }
fs.writeFileSync(builtinDataFile, JSON.stringify(data));
