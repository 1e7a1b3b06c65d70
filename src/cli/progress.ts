import type { Progress } from '../run/events.js';
import { seconds, type Output } from './output.js';

/** Shows progress events on stderr; build and install details only with --verbose. */
export function progressPrinter(output: Output, verbose: boolean): Progress {
  return (event) => {
    if (event.kind === 'step') output.progress(`… ${event.text}`);
    else if (event.kind === 'done') output.progress(`✓ ${event.text} (${seconds(event.ms)})`);
    else if (verbose) output.progress(`    ${event.text}`);
  };
}
