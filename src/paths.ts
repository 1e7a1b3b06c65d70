import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The package root, which holds templates/, labs/, exercises/ and schema/: the nearest folder above
 * this module with a package.json, whether the module runs from src/, from tsc's build/ or from a
 * chunk of the bundle in dist/cli/.
 */
export const packageRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  return dir;
})();
export const templatesDir = path.join(packageRoot, 'templates');
export const labsDir = path.join(packageRoot, 'labs');
export const exercisesDir = path.join(packageRoot, 'exercises');
export const schemaFile = path.join(packageRoot, 'schema', 'lab.schema.json');
/** The bundled app server (built by scripts/bundle.mjs). */
export const appBundle = path.join(packageRoot, 'dist', 'payloads', 'app', 'server.cjs');
/** The bundled probe that runs in a container on the lab's public network. */
export const probeBundle = path.join(packageRoot, 'dist', 'payloads', 'probe', 'probe.cjs');
/** The command line itself, for work that runs it as a child process (grade checks each submission so). */
export const cliEntry = path.join(packageRoot, 'dist', 'cli', 'index.js');
