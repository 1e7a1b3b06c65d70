import { Document, isMap, isScalar, isSeq, visit, type Pair, type Scalar } from 'yaml';

/**
 * Control characters, Unicode line and paragraph separators and direction overrides: what may end a
 * comment line early (a YAML parser takes CR and NEL as line breaks) or hide text on a terminal.
 */
const UNSAFE_IN_COMMENT = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Text for one line of a comment in a generated file. Lab text is checked when the lab is loaded;
 * this makes sure that whatever reaches a comment stays inside it.
 */
export const commentLine = (text: string) => text.replace(UNSAFE_IN_COMMENT, '\uFFFD');

export interface YamlFileOptions {
  /** Lines of the comment at the top of the file. */
  header: string[];
  /** Comments (or only a blank line) above keys, by the path of the key (e.g. ['networks', 'public']). */
  comments?: { path: string[]; lines: string[]; blankLineBefore?: boolean }[];
  /** Keys whose lists are written on one line, [a, b], as people write commands. */
  flowKeys?: string[];
}

/**
 * A YAML file built from data by the yaml library, never by pasting text: whatever a value holds,
 * it stays that value. Values are double-quoted strings, and keys are quoted where YAML 1.1 would read them as something else
 * ("on", "no", 1:20), because compose v1 (PyYAML) and Prometheus read YAML 1.1.
 */
export function yamlFile(data: object, options: YamlFileOptions): string {
  const doc = new Document(data, { version: '1.1', aliasDuplicateObjects: false });
  doc.commentBefore = options.header.map((l) => ` ${commentLine(l)}`).join('\n');
  for (const c of options.comments ?? []) {
    const parent = doc.getIn(c.path.slice(0, -1), true);
    const pair = isMap(parent) ? (parent.items as Pair<Scalar, unknown>[]).find((p) => isScalar(p.key) && p.key.value === c.path.at(-1)) : undefined;
    if (!pair || !isScalar(pair.key)) throw new Error(`no key ${c.path.join('.')} to comment on`);
    if (c.lines.length) pair.key.commentBefore = c.lines.map((l) => ` ${commentLine(l)}`).join('\n');
    pair.key.spaceBefore = c.blankLineBefore;
  }
  const flowKeys = new Set(options.flowKeys ?? []);
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && flowKeys.has(String(pair.key.value)) && isSeq(pair.value)) pair.value.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}
