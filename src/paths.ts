import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: holds templates/, labs/, exercises/ and schema/, whether running from src/ or dist/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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
