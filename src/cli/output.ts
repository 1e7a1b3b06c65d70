/** Where commands write: injected so that tests can capture it. Only cli/ prints. */
export interface Output {
  out(line?: string): void;
  err(line?: string): void;
  /** Progress and timings, on stderr so that stdout stays clean for --json. */
  progress(line: string): void;
}

export const consoleOutput: Output = {
  out: (line = '') => process.stdout.write(`${line}\n`),
  err: (line = '') => process.stderr.write(`${line}\n`),
  progress: (line) => process.stderr.write(`${line}\n`),
};

/** A plain text table with left-aligned columns. */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
