import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { labsDir, schemaFile } from '../paths.js';
import { ExitCode, ExitError, usageError } from '../errors.js';
import { closest } from './suggest.js';
import type { Lab } from './model.js';
import { checkLab, type Problem } from './check.js';
import { toLab, type RawLab } from './defaults.js';

/** A lab file that does not validate: one line naming file:line:col, the field and what is allowed. */
export class LabFileError extends ExitError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${detail}`, ExitCode.usage);
    this.name = 'LabFileError';
  }
}

type Path = (string | number)[];

let compiled: ValidateFunction | undefined;
/** The schema validator, compiled on first use. */
const validator = () => (compiled ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8'))));

const builtinFiles = () => fs.readdirSync(labsDir).filter((f) => f.endsWith('.yaml'));

/** The labs shipped with infra-lab, in curriculum order (their files say their stage). */
export function builtinLabs(): Lab[] {
  return builtinFiles()
    .map((f) => loadLabFile(path.join(labsDir, f)))
    .sort((a, b) => a.stage - b.stage || a.name.localeCompare(b.name));
}

/** A lab by built-in name or by file path. */
export function resolveLab(ref: string): Lab {
  const looksLikeFile = /[\\/]/.test(ref) || /\.ya?ml$/.test(ref);
  if (looksLikeFile) {
    if (!fs.existsSync(ref)) throw usageError(`lab file not found: ${ref}`);
    return loadLabFile(ref);
  }
  const file = path.join(labsDir, `${ref}.yaml`);
  if (!builtinFiles().includes(`${ref}.yaml`)) {
    const known = builtinLabs().map((l) => l.name);
    const hint = closest(ref, known);
    throw usageError(
      `unknown lab '${ref}'${hint ? ` (did you mean '${hint}'?)` : ''}; built-in labs: ${known.join(', ')}; or give the path of a lab file`,
    );
  }
  return loadLabFile(file);
}

export function loadLabFile(file: string): Lab {
  const shown = path.relative(process.cwd(), file) || file;
  return parseLab(fs.readFileSync(file, 'utf8'), shown);
}

/** Parse and validate lab YAML; `file` is only used in messages and as the lab's source. */
export function parseLab(text: string, file: string): Lab {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, detail: string) => {
    const { line, col } = lineCounter.linePos(offset);
    return new LabFileError(file, line, col, detail);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw at(e.pos[0], `not valid YAML: ${firstLine(e.message)}`);
  }
  const data = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw at(0, 'a lab file is a YAML mapping with name, title, stage, description, domain, networks, components, dns and entrypoints');
  }
  const validate = validator();
  if (!validate(data)) {
    const problem = schemaProblems(validate.errors ?? [], doc)[0];
    throw at(offsetOf(doc, problem.path, problem.key), problem.message);
  }
  const raw = data as RawLab;
  const problems = checkLab(raw);
  if (problems.length > 0) {
    const p = problems[0];
    throw at(offsetOf(doc, p.path, p.key), p.message);
  }
  return toLab(raw, file);
}

const firstLine = (s: string) => s.split('\n')[0].trim();

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
function schemaProblems(errors: ErrorObject[], doc: Document): Problem[] {
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
        return { path: p, rank: 1, message: `${field === 'the file' ? 'the lab' : field} is missing the required field '${e.params.missingProperty}'` };
      case 'enum': {
        const got = doc.getIn(p);
        const allowed = (e.params.allowedValues as unknown[]).map(String);
        const hint = typeof got === 'string' ? closest(got, allowed) : undefined;
        return { path: p, rank: 2, message: `${field}: '${String(got)}' is not allowed${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${allowed.join(', ')}` };
      }
      case 'pattern': {
        const rule = (sch(e)?.['x-rule'] as string) ?? `must match ${e.params.pattern}`;
        return { path: p, rank: 2, message: `${field}: '${String(doc.getIn(p))}' is not a valid name: ${rule}` };
      }
      case 'type':
        return { path: p, rank: 3, message: `${field} must be ${article(String(e.params.type))}` };
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
