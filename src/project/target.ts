import fs from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import { pseudoFilesystem } from '../fs/safe-file.js';

/**
 * Refuses a project folder that is not an ordinary folder the user can write: a path under a file,
 * a file, a folder without write permission, the kernel's pseudo filesystems (/proc, /sys) or
 * /dev. Checked before anything is rendered or written.
 */
export function checkProjectTarget(dir: string): void {
  const target = path.resolve(dir);
  // The nearest part of the path that exists: every part below it will be created.
  let existing = target;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const stat = fs.statSync(existing);
  if (!stat.isDirectory())
    throw usageError(existing === target ? `${target} is a file, not a folder; choose a folder with -o` : `${target} is under ${existing}, which is a file; choose a folder with -o`);
  const real = fs.realpathSync(existing);
  const kind = pseudoFilesystem(real);
  if (kind) throw usageError(`${target} is on ${kind}, not an ordinary folder; choose a folder in your home or the current folder with -o`);
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw usageError(`${target}: you cannot write in ${existing}; choose a folder you own with -o`);
  }
}
