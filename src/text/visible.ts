/**
 * Text a student or an exercise file chose (a folder name, a lab's value, a path), made safe to show:
 * control characters (C0, DEL, C1: escape sequences, carriage returns, line breaks), format characters
 * (Unicode direction overrides and isolates, zero-width characters, the byte order mark), line and
 * paragraph separators and lone surrogates are shown escaped (\n, \u001b, \u202e), so that a name can neither
 * move the cursor, set a window title, clear the screen nor reorder what a teacher reads. Everything
 * else, accents and CJK included, is shown as it is.
 *
 * Every name or value that came from a submission or an exercise file reaches the terminal, a
 * Markdown file, an error message or TASK.md through this one function.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

export const visible = (text: string): string =>
  text.replace(INVISIBLE, (c) => {
    const code = c.codePointAt(0)!;
    return c === '\n' ? '\\n' : code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
  });

/** Whether the text would be shown differently than it is (it holds a character visible() escapes). */
export const hasInvisible = (text: string): boolean => new RegExp(INVISIBLE.source, 'u').test(text);

/**
 * A file name as the file system gives it (bytes), shown as text: UTF-8 as it is, through visible();
 * a name that is not UTF-8 with each byte that is not part of valid UTF-8 as \x{..}, so that two
 * different names never look the same (decoding would turn both into U+FFFD).
 */
export function visibleBytes(name: Buffer): string {
  try {
    return visible(new TextDecoder('utf-8', { fatal: true }).decode(name));
  } catch {
    let out = '';
    for (let i = 0; i < name.length; ) {
      const len = utf8Length(name, i);
      if (len > 0) {
        out += visible(name.subarray(i, i + len).toString('utf8'));
        i += len;
      } else out += `\\x{${name[i++].toString(16).padStart(2, '0')}}`;
    }
    return out;
  }
}

/** The length of the valid UTF-8 sequence at `i`, or 0 where there is none. */
function utf8Length(b: Buffer, i: number): number {
  const lead = b[i];
  const len = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (len === 0 || i + len > b.length) return 0;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(i, i + len));
    return len;
  } catch {
    return 0;
  }
}
