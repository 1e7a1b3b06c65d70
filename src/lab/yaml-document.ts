import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Alias, Document, Node as YamlNode } from 'yaml';
import { ExitCode, ExitError, usageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { visible } from '../text/visible.js';
import { closest } from './suggest.js';
import type { Problem } from './check.js';

/**
 * Reading the YAML files people write for infra-lab (labs, exercises, answers): untrusted text,
 * checked for size, encoding and shape, validated by a JSON schema and then by the kind's own checks,
 * with every error one line naming file:line:col, the field and what is allowed.
 */

/** What kind of file is read, for messages, and how it is validated. */
export interface DocumentKind {
  /** 'lab file' */
  noun: string;
  /** How the messages call the whole document: 'the lab'. */
  whole: string;
  /** Said of a file that is not a mapping: what it should hold. */
  shape: string;
  /** The JSON schema file that validates it. */
  schema: string;
  /** Checks the schema cannot express, on data that passed it. */
  check?: (data: never) => Problem[];
}

/** Ajv's options, the same for the validators compiled at run time and those the build precompiles. */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, verbose: true };

/** Where the build (scripts/compile-schemas.mjs) writes the precompiled validator of a schema file. */
export const precompiledValidatorFile = (schemaFile: string) => path.join(packageRoot, 'dist', 'schema', path.basename(schemaFile).replace(/\.json$/, '.cjs'));

/** Names the schema a precompiled validator was made from. */
export const schemaDigest = (schemaText: string) => createHash('sha256').update(schemaText).digest('hex');

const require = createRequire(import.meta.url);

/** The YAML parser, loaded when a file must be parsed (45 ms): not for the built-in files (see builtinData). */
const yaml = () => require('yaml') as typeof import('yaml');

/** Each schema's validator, loaded when first asked for (see loadValidator). */
const validators = new Map<string, ValidateFunction>();
const validatorOf = (schema: string) => validators.get(schema) ?? validators.set(schema, loadValidator(schema)).get(schema)!;

/**
 * The build's precompiled validator when it was made from this very schema text; otherwise (running
 * from the sources, or a schema edited since the build) the schema compiled now. Loading Ajv and
 * compiling the lab schema took 135 ms, a third of the time `infra-lab labs` took in all.
 */
export function loadValidator(file: string): ValidateFunction {
  const text = fs.readFileSync(file, 'utf8');
  const precompiled = precompiledValidatorFile(file);
  if (fs.existsSync(precompiled)) {
    const validate = require(precompiled) as ValidateFunction & { digest?: string };
    if (validate.digest === schemaDigest(text)) return validate;
  }
  const { Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv(AJV_OPTIONS).compile(JSON.parse(text));
}

/** Where the build (scripts/parse-builtins.mjs) writes the data of the built-in labs and exercises, by documentDigest. */
export const builtinDataFile = path.join(packageRoot, 'dist', 'builtin-documents.json');

/** Names what parsing a document gives: that depends on its text and its kind's schema, and on nothing else outside dist/. */
export const documentDigest = (text: string, kind: DocumentKind) =>
  createHash('sha256').update(fs.readFileSync(kind.schema)).update('\0').update(text).digest('hex');

/**
 * The data the build parsed from this very text with this very schema, if it did: the built-in labs
 * and exercises are then neither parsed nor validated again (loading the YAML parser and parsing the
 * four labs took half the time of `infra-lab labs`). A file edited since the build is parsed.
 * The file is read at each use, so that every caller gets data of its own.
 */
function builtinData(text: string, kind: DocumentKind): unknown {
  if (!fs.existsSync(builtinDataFile)) return undefined;
  return (JSON.parse(fs.readFileSync(builtinDataFile, 'utf8')) as Record<string, unknown>)[documentDigest(text, kind)];
}

/** A file that does not validate: one line naming file:line:col, the field and what is allowed. */
export class YamlFileError extends ExitError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(oneLine(`${file}:${line}:${column}: ${detail}`), ExitCode.usage);
    this.name = 'YamlFileError';
  }
}

/** A file that cannot be read at all (no line to point at): one line naming the file. */
const unreadable = (file: string, detail: string) => usageError(oneLine(`${file}: ${detail}`));

/**
 * Messages quote what the file says, and a hostile file may say anything: control characters and
 * line separators are shown escaped, so that an error stays one line on the terminal.
 */
const oneLine = visible;

/** The path as shown in messages: relative to where the user is, unless that means climbing out of it. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** The files are small (the largest built-in lab is about 4 KiB); a bigger file is refused before it is read. */
export const MAX_YAML_FILE_BYTES = 256 * 1024;
/** The built-in labs nest 5 levels deep; this leaves room and keeps every later step far from the stack's limit. */
const MAX_DEPTH = 16;
/** YAML aliases (*name) a file may expand; more indicates a "billion laughs" file. */
const MAX_ALIASES = 100;

type Path = (string | number)[];

/** Reads and validates a file of the kind; resolves with its data, which passed the schema and the kind's checks. */
export function loadYamlFile(file: string, kind: DocumentKind): { data: unknown; text: string; shown: string } {
  const shown = shownPath(file);
  const text = readYamlText(file, kind, shown);
  return { data: parseYamlDocument(text, shown, kind), text, shown };
}

/**
 * The text of a file, checked before it is read: an ordinary file, at most MAX_YAML_FILE_BYTES,
 * UTF-8 (a byte order mark is dropped). Opened without blocking, so that a FIFO is refused, not waited on.
 */
export function readYamlText(file: string, kind: DocumentKind, shown = file): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw unreadable(shown, openProblem(err as NodeJS.ErrnoException, kind.noun));
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw unreadable(shown, `is a folder, not a ${kind.noun}; give the path of a .yaml file`);
    if (!stat.isFile()) throw unreadable(shown, 'is not an ordinary file (a device, FIFO or socket); give the path of a .yaml file');
    if (stat.size > MAX_YAML_FILE_BYTES)
      throw unreadable(shown, `is ${Math.ceil(stat.size / 1024)} KiB; a ${kind.noun} may be at most ${MAX_YAML_FILE_BYTES / 1024} KiB`);
    // Read at most one byte more than allowed, in case the file grew since fstat.
    const buffer = Buffer.alloc(MAX_YAML_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_YAML_FILE_BYTES) throw unreadable(shown, `is larger than ${MAX_YAML_FILE_BYTES / 1024} KiB, the most a ${kind.noun} may be`);
    return decodeText(buffer.subarray(0, length), kind, shown);
  } catch (err) {
    if (err instanceof ExitError) throw err;
    throw unreadable(shown, openProblem(err as NodeJS.ErrnoException, kind.noun));
  } finally {
    fs.closeSync(fd);
  }
}

/** What went wrong opening or reading a file, in words, with what to do. */
export function openProblem(err: NodeJS.ErrnoException, noun = 'lab file'): string {
  switch (err.code) {
    case 'ENOENT':
      return `${noun} not found`;
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied); check the file\'s permissions or copy it somewhere you can read';
    case 'EISDIR':
      return `is a folder, not a ${noun}; give the path of a .yaml file`;
    case 'ENOTDIR':
      return `${noun} not found (a part of the path is a file, not a folder)`;
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'the path has too many symbolic links (a loop?)';
    default:
      return `cannot be read (${err.code ?? err.message})`;
  }
}

/** UTF-8 text, or an error that says which encoding it looks like. */
export function decodeText(bytes: Buffer, kind: DocumentKind, shown: string): string {
  const starts = (...b: number[]) => b.every((x, i) => bytes[i] === x);
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff) || (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)))
    throw unreadable(shown, 'is UTF-16 or UTF-32 text; save it as UTF-8');
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = bytes.subarray(0, nul).toString('latin1').split('\n').length;
    throw new YamlFileError(shown, line, nul - bytes.lastIndexOf(0x0a, nul), `contains a NUL byte; a ${kind.noun} is UTF-8 text`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw unreadable(shown, 'is not valid UTF-8 text; save it as UTF-8');
  }
}

/** Parses and validates the text of a file of the kind; `file` is only used in messages. */
export function parseYamlDocument(text: string, file: string, kind: DocumentKind): unknown {
  return builtinData(text, kind) ?? parseAndValidate(text, file, kind);
}

/** What parseYamlDocument does for a text the build has not parsed already (and the build itself does). */
export function parseAndValidate(text: string, file: string, kind: DocumentKind): unknown {
  const { LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, detail: string) => {
    const { line, col } = lineCounter.linePos(offset);
    return new YamlFileError(file, line, col, detail);
  };
  const notAMapping = () => at(0, kind.shape);
  // An empty file (or only comments) holds no document at all.
  if (!Array.isArray(docs) || docs.length === 0) throw notAMapping();
  const doc = docs[0];
  if (docs.length > 1) throw at(docs[1].range[0], `a second YAML document (after ---); a ${kind.noun} is one document`);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    if (e.code === 'RESOURCE_EXHAUSTION') throw at(e.pos[0], `nested too deeply; a ${kind.noun} needs at most ${MAX_DEPTH} levels`);
    throw at(e.pos[0], `not valid YAML: ${firstLine(e.message)}`);
  }
  const deep = tooDeep(doc);
  if (deep) throw at(deep.range?.[0] ?? 0, `nested more than ${MAX_DEPTH} levels deep; a ${kind.noun} needs far fewer`);
  const data = toData(doc, at);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw notAMapping();
  const validate = validatorOf(kind.schema);
  if (!validate(data)) {
    const problem = schemaProblems(validate.errors ?? [], doc, kind)[0];
    throw at(offsetOf(doc, problem.path, problem.key), problem.message);
  }
  const problems = kind.check?.(data as never) ?? [];
  if (problems.length > 0) {
    const p = problems[0];
    throw at(offsetOf(doc, p.path, p.key), p.message);
  }
  return data;
}

const firstLine = (s: string) => s.split('\n')[0].trim();

/** The document as plain data; aliases are resolved here, and refused when they cannot be or expand too much. */
function toData(doc: Document, at: (offset: number, detail: string) => YamlFileError): unknown {
  const { isAlias, visit } = yaml();
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    // In document order: an alias refers to an anchor set before it.
    const aliases: Alias[] = [];
    const anchors = new Set<string>();
    let unresolved: Alias | undefined;
    visit(doc, {
      Node(_, node) {
        if (isAlias(node)) {
          aliases.push(node);
          if (!anchors.has(node.source)) unresolved ??= node;
        } else if (node.anchor) anchors.add(node.anchor);
      },
    });
    if (unresolved) throw at(unresolved.range?.[0] ?? 0, `the alias *${unresolved.source} refers to no anchor &${unresolved.source} before it`);
    throw at(aliases[0]?.range?.[0] ?? 0, `YAML aliases (*name) expand to more than ${MAX_ALIASES} copies; write the values out instead`);
  }
}

/** The first node nested deeper than MAX_DEPTH collections, walked without recursion. */
function tooDeep(doc: Document): YamlNode | undefined {
  const { isCollection, isPair } = yaml();
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth >= MAX_DEPTH) return node;
    for (const item of node.items) {
      if (isPair(item)) stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
}

function pointerToPath(pointer: string): Path {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const fieldName = (p: Path) =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '') || 'the file';

/** Turn ajv's errors into problems, most useful first, each with a position. */
function schemaProblems(errors: ErrorObject[], doc: Document, kind: DocumentKind): Problem[] {
  const sch = (e: ErrorObject) => e.parentSchema as Record<string, unknown> | undefined;
  const problems = errors.map((e): Problem & { rank: number } => {
    const p = pointerToPath(e.instancePath);
    const field = fieldName(p);
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = String(e.params.additionalProperty);
        const allowed = Object.keys((sch(e)?.properties as object) ?? {});
        const hint = closest(extra, allowed);
        const where = p.length ? ` in ${field}` : '';
        return {
          path: p,
          key: extra,
          rank: 0,
          message: `unknown field '${extra}'${where}${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${allowed.join(', ')}`,
        };
      }
      case 'required':
        return { path: p, rank: 1, message: `${field === 'the file' ? kind.whole : field} is missing the required field '${e.params.missingProperty}'` };
      case 'enum': {
        const got = doc.getIn(p);
        const allowed = (e.params.allowedValues as unknown[]).map(String);
        // YAML 1.1 (and compose v1) reads an unquoted no as false; these files are YAML 1.2, where no is a string.
        if (typeof got === 'boolean' && allowed.includes('no'))
          return {
            path: p,
            rank: 2,
            message: `${field}: ${got} is not a restart policy; ${got ? 'for restarts write always or unless-stopped' : 'for none write "no"'}; allowed: ${allowed.map((a) => (a === 'no' ? '"no"' : a)).join(', ')}`,
          };
        // '1' for 1: the same text, another type; saying "did you mean '1'?" would not help.
        if (typeof got === 'string' && (e.params.allowedValues as unknown[]).every((v) => typeof v === 'number'))
          return { path: p, rank: 2, message: `${field}: '${got}' is text; write a number without quotes, one of ${allowed.join(', ')}` };
        const hint = typeof got === 'string' ? closest(got, allowed) : undefined;
        return { path: p, rank: 2, message: `${field}: '${String(got)}' is not allowed${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${allowed.join(', ')}` };
      }
      case 'pattern': {
        // A key of a mapping whose keys have a pattern (propertyNames): name the key, not the whole mapping.
        if (e.propertyName !== undefined) {
          const rule = (sch(e)?.['x-rule'] as string) ?? `must match ${e.params.pattern}`;
          return { path: p, key: e.propertyName, rank: 2, message: `${field}: '${e.propertyName}' is not a valid name: ${rule}` };
        }
        const value = String(doc.getIn(p));
        const text = sch(e)?.['x-text'] as string | undefined;
        if (text) {
          const bad = [...value].findIndex((c) => !new RegExp(e.params.pattern as string, 'u').test(c));
          const code = value.codePointAt([...value].slice(0, bad).join('').length) ?? 0;
          return { path: p, rank: 2, message: `${field} must be ${text} (found U+${code.toString(16).toUpperCase().padStart(4, '0')} at character ${bad + 1})` };
        }
        const rule = (sch(e)?.['x-rule'] as string) ?? `must match ${e.params.pattern}`;
        return { path: p, rank: 2, message: `${field}: '${value}' is not a valid name: ${rule}` };
      }
      case 'type':
        return { path: p, rank: 3, message: `${field} must be ${article(String(e.params.type))}` };
      case 'minimum':
      case 'maximum': {
        const { minimum, maximum } = sch(e) ?? {};
        const range = typeof minimum === 'number' && typeof maximum === 'number' ? ` (allowed: ${minimum} to ${maximum})` : '';
        return { path: p, rank: 4, message: `${field} ${e.message ?? 'is out of range'}${range}` };
      }
      default:
        return { path: p, rank: 4, message: `${field} ${e.message ?? 'is not valid'}` };
    }
  });
  // An enum error and the type error of the same value say the same thing; keep the clearer one.
  return problems.sort((a, b) => a.rank - b.rank);
}

const article = (type: string) =>
  ({ object: 'a mapping', array: 'a list', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false' })[
    type
  ] ?? type;

/** Source offset of the node at `p` (or of the key `key` in the mapping there). */
function offsetOf(doc: Document, p: Path, key?: string): number {
  const { isMap, isScalar } = yaml();
  let node = doc.getIn(p, true) as YamlNode | undefined;
  // Walk up to the closest existing ancestor when the path points at something missing.
  for (let n = p.length; !node && n > 0; n--) node = doc.getIn(p.slice(0, n - 1), true) as YamlNode | undefined;
  node ??= doc.contents ?? undefined;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((i) => isScalar(i.key) && i.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
  }
  return node?.range?.[0] ?? 0;
}
