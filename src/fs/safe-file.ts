import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { environmentError, ExitError, usageError } from '../errors.js';
import { visible } from '../text/visible.js';

/**
 * Reading what students hand in and writing what a teacher gets back, when the folders are the
 * students' to fill: a link may point at /etc/shadow or a classmate's folder, a file may be a FIFO
 * that never ends, /dev/zero, or enormous, and a planted link may wait where a file is about to be
 * written. Every file `check`, `grade` and `exercise start` read or write goes through here
 * (test/unit/safe-file-use.test.ts holds them to it).
 *
 * Messages name the path (through visible()) and the problem, and never quote the file's content.
 */

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = fs.constants.O_NONBLOCK ?? 0;

export interface ReadLimits {
  /** The most the file may hold; a larger file is refused before it is read. */
  maxBytes: number;
  /** What the file is, for messages: 'lab file'. */
  noun: string;
  /** The path as messages show it (default: the path given). */
  shown?: string;
}

/** Whether `inner` is `outer` or lies below it (both absolute, resolved). */
const isInside = (outer: string, inner: string) => {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

const kindOf = (stat: fs.Stats) =>
  stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : stat.isSymbolicLink() ? 'a symbolic link' : 'not an ordinary file';

/**
 * The bytes of `file`, which must lie in the folder `root`: a symbolic link is followed only where
 * it resolves inside `root` (a link to /etc/shadow or to ../bob/lab.yaml is refused, naming the
 * link); the file must be an ordinary file (not a FIFO, device, socket or folder) of at most
 * `maxBytes`, checked before a byte is read. Opened without following a last link (O_NOFOLLOW) and
 * without blocking (a FIFO cannot hold it up); on Linux the opened file is checked to be the one
 * resolved, so that a link swapped in meanwhile is refused too.
 * Returns undefined when nothing at all is at the path.
 */
export function readInside(root: string, file: string, limits: ReadLimits): Buffer | undefined {
  const shown = visible(limits.shown ?? file);
  const rootReal = realFolder(root);
  const absolute = path.resolve(file);
  if (!isInside(path.resolve(root), absolute)) throw usageError(`${shown}: is outside the folder ${visible(root)}`);
  const entry = lstat(absolute, shown);
  if (!entry) return undefined;
  let real: string;
  try {
    real = fs.realpathSync(absolute);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`${shown}: is a symbolic link to ${visible(linkText(absolute) ?? '?')}, which does not exist; replace the link by the ${limits.noun} itself`);
    if (code === 'ELOOP') throw usageError(`${shown}: is a loop of symbolic links; replace it by the ${limits.noun} itself`);
    throw usageError(`${shown}: cannot be read (${code ?? 'error'})`);
  }
  if (!isInside(rootReal, real))
    throw usageError(`${shown}: is a symbolic link to ${visible(linkText(absolute) ?? real)}, outside the folder ${visible(root)}; infra-lab reads only what the folder itself holds: replace the link by the ${limits.noun} itself`);
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    throw usageError(`${shown}: ${readProblem(err as NodeJS.ErrnoException, limits.noun)}`);
  }
  try {
    if (process.platform === 'linux') {
      const opened = readlinkOr(`/proc/self/fd/${fd}`);
      if (opened !== undefined && opened.startsWith('/') && !isInside(rootReal, opened)) throw usageError(`${shown}: changed into a link outside the folder ${visible(root)} while it was opened`);
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw usageError(`${shown}: is ${kindOf(stat)}, not an ordinary file; ${article(limits.noun)} is a file of text`);
    if (stat.size > limits.maxBytes) throw usageError(`${shown}: is ${sizeText(stat.size)}; ${article(limits.noun)} may be at most ${sizeText(limits.maxBytes)}`);
    // One byte more than allowed, in case the file grew since fstat.
    const buffer = Buffer.alloc(limits.maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (length > limits.maxBytes) throw usageError(`${shown}: is larger than ${sizeText(limits.maxBytes)}, the most ${article(limits.noun)} may be`);
    return buffer.subarray(0, length);
  } catch (err) {
    if (err instanceof ExitError) throw err;
    throw usageError(`${shown}: ${readProblem(err as NodeJS.ErrnoException, limits.noun)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** The UTF-8 text of a file read with readInside; a file that is not UTF-8 is refused, naming it. */
export function readTextInside(root: string, file: string, limits: ReadLimits): string | undefined {
  const bytes = readInside(root, file, limits);
  if (bytes === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw usageError(`${visible(limits.shown ?? file)}: is not UTF-8 text; save it as UTF-8`);
  }
}

/** What is at a path, without following a link there; undefined when nothing is. */
function lstat(file: string, shown: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw usageError(`${shown}: a part of the path is a file, not a folder`);
    if (code === 'EACCES') throw usageError(`${shown}: cannot be read (permission denied)`);
    throw usageError(`${shown}: cannot be read (${code ?? 'error'})`);
  }
}

/** What kind of thing is at a path, without following a link: 'file', 'folder', 'link', 'other', or undefined for nothing. */
export function entryKind(file: string): 'file' | 'folder' | 'link' | 'other' | undefined {
  const stat = lstat(file, visible(file));
  if (!stat) return undefined;
  return stat.isSymbolicLink() ? 'link' : stat.isFile() ? 'file' : stat.isDirectory() ? 'folder' : 'other';
}

function realFolder(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch {
    throw usageError(`${visible(root)}: no such folder`);
  }
}

const linkText = (file: string) => readlinkOr(file);
function readlinkOr(file: string): string | undefined {
  try {
    return fs.readlinkSync(file);
  } catch {
    return undefined;
  }
}

const article = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.ceil(bytes / 1024 / 1024)} MiB` : bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${bytes} bytes`);

function readProblem(err: NodeJS.ErrnoException, noun: string): string {
  switch (err.code) {
    case 'ENOENT':
      return `${noun} not found`;
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return `is a folder, not ${article(noun)}`;
    case 'ELOOP':
      return `is a symbolic link; replace it by the ${noun} itself`;
    case 'ENXIO':
      return `is a socket or a FIFO with nothing behind it, not ${article(noun)}`;
    default:
      return `cannot be read (${err.code ?? err.message})`;
  }
}

/** The kernel's own filesystems (statfs magic numbers), where a file written would be no file at all. */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
]);

/** What a resolved path lies on when a file written there would be no file at all: /dev, or a kernel filesystem. */
export function pseudoFilesystem(real: string): string | undefined {
  if (real === '/dev' || real.startsWith('/dev/')) return '/dev (devices)';
  try {
    const name = PSEUDO_FILESYSTEMS.get(Number(fs.statfsSync(real).type));
    return name ? `the kernel's ${name} filesystem` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a folder that files cannot be written into: the empty path, a path under a file, a file,
 * the kernel's pseudo filesystems (/proc, /sys) or /dev, a folder without write permission.
 * `missing: 'create'` accepts a folder that does not exist yet where its nearest existing parent
 * passes; `missing: 'refuse'` refuses it. `what` names the folder in messages: 'the results folder'.
 */
export function checkWritableFolder(dir: string, what: string, missing: 'create' | 'refuse'): void {
  if (dir === '') throw usageError(`${what}: the path is empty; give a folder`);
  const target = path.resolve(dir);
  const shown = visible(dir);
  let existing = target;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  if (existing !== target && missing === 'refuse') throw usageError(`${shown}: ${what} does not exist; create it first`);
  const stat = fs.statSync(existing);
  if (!stat.isDirectory())
    throw usageError(existing === target ? `${shown}: is a file, not a folder; ${what} must be a folder` : `${shown}: is under ${visible(existing)}, which is a file, not a folder`);
  const kind = pseudoFilesystem(fs.realpathSync(existing));
  if (kind) throw usageError(`${shown}: is on ${kind}, not an ordinary folder; choose a folder in your home or the current folder`);
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw usageError(`${shown}: you cannot write in ${visible(existing)} (permission denied); choose a folder you own`);
  }
}

/**
 * Refuses a file that must not be written: one that is a symbolic link (written through, it would
 * change whatever it points at), a folder, a device, a FIFO or a socket, or one in a folder that
 * cannot be written (see checkWritableFolder). Nothing at the path is fine.
 */
export function checkWritableFile(file: string, noun: string): void {
  if (file === '') throw usageError(`the path of the ${noun} is empty; give a file`);
  const shown = visible(file);
  checkWritableFolder(path.dirname(path.resolve(file)), `the folder of the ${noun}`, 'refuse');
  const stat = lstat(path.resolve(file), shown);
  if (!stat) return;
  if (stat.isSymbolicLink())
    throw usageError(`${shown}: is a symbolic link (to ${visible(linkText(file) ?? '?')}); infra-lab does not write through links: remove it or choose another ${noun}`);
  if (!stat.isFile()) throw usageError(`${shown}: is ${kindOf(stat)}, not an ordinary file; choose another ${noun}`);
}

/**
 * Writes a file whole, or not at all: into a temporary file created exclusively (O_EXCL, so never
 * through a link planted there) under an unpredictable name in the target's own folder, then
 * renamed over the target (a rename replaces a link, it does not write through one). The target is
 * checked first (checkWritableFile): a link or anything but an ordinary file is refused.
 */
export function writeSafely(file: string, content: string | Buffer, options: { noun: string; mode?: number }): void {
  checkWritableFile(file, options.noun);
  const target = path.resolve(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target).slice(0, 40)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, options.mode ?? 0o644);
    try {
      fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw writeProblem(err as NodeJS.ErrnoException, file, options.noun);
  }
}

/**
 * Creates a new file with its content, never replacing anything: a file, a folder or a link (even
 * one pointing nowhere) at the path is refused (O_EXCL). For files handed out to a student.
 */
export function createNewFile(file: string, content: string, options: { noun: string; mode?: number }): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | O_NOFOLLOW, options.mode ?? 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw usageError(`${visible(file)}: exists already (a file, a folder or a link); nothing is written over it`);
    throw writeProblem(err as NodeJS.ErrnoException, file, options.noun);
  }
  try {
    fs.writeSync(fd, Buffer.from(content));
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw writeProblem(err as NodeJS.ErrnoException, file, options.noun);
  }
  fs.closeSync(fd);
}

/** A file written line by line as results come (appended, never rewritten): opened without following a link, an ordinary file only. */
export interface Appender {
  append(text: string): void;
  close(): void;
}

export function openAppender(file: string, noun: string): Appender {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    throw writeProblem(err as NodeJS.ErrnoException, file, noun);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw usageError(`${visible(file)}: is not an ordinary file; choose another ${noun}`);
  }
  return {
    append: (text) => {
      fs.writeSync(fd, Buffer.from(text));
    },
    close: () => fs.closeSync(fd),
  };
}

/** Creates a folder (and its parents) for files handed out; refuses one that is a link or not a folder. */
export function makeFolder(dir: string, what: string): void {
  checkWritableFolder(dir, what, 'create');
  const kind = entryKind(path.resolve(dir));
  if (kind === 'link') throw usageError(`${visible(dir)}: is a symbolic link; give the folder itself`);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw writeProblem(err as NodeJS.ErrnoException, dir, what);
  }
}

/** What went wrong writing, as the one line a user sees: bad input (exit 2) or the machine lacking something (exit 3). */
function writeProblem(err: NodeJS.ErrnoException, file: string, noun: string) {
  const shown = visible(file);
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return usageError(`${shown}: cannot be written (permission denied); choose another ${noun}`);
    case 'ENOENT':
    case 'ENOTDIR':
      return usageError(`${shown}: its folder does not exist; choose another ${noun}`);
    case 'EISDIR':
      return usageError(`${shown}: is a folder; choose another ${noun}`);
    case 'ELOOP':
      return usageError(`${shown}: is a symbolic link; infra-lab does not write through links`);
    case 'EROFS':
      return usageError(`${shown}: is on a read-only filesystem; choose another ${noun}`);
    case 'ENAMETOOLONG':
      return usageError(`${shown}: the name is too long`);
    case 'ENOSPC':
    case 'EDQUOT':
      return environmentError(`${shown}: the disk is full; free some space and run again`, err);
    default:
      return environmentError(`${shown}: cannot be written (${err.code ?? err.message})`, err);
  }
}

/** One entry of a folder as the file system names it: the raw bytes, the name as text if it is UTF-8, and what it is (without following a link). */
export interface FolderEntry {
  bytes: Buffer;
  /** The name, when it is valid UTF-8. */
  name?: string;
  kind: 'file' | 'folder' | 'link' | 'other';
}

/** The entries of a folder, names as bytes: a name that is not UTF-8 is not turned into another one. */
export function entriesOf(dir: string): FolderEntry[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' }).map((d) => {
    let name: string | undefined;
    try {
      name = decoder.decode(d.name);
    } catch {
      name = undefined;
    }
    const kind = d.isSymbolicLink() ? 'link' : d.isDirectory() ? 'folder' : d.isFile() ? 'file' : 'other';
    return { bytes: d.name, name, kind };
  });
}
