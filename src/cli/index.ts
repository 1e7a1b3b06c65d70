#!/usr/bin/env node
// The entry file owns exit codes: commands throw, this turns errors into one line and a code.
import { CommanderError } from 'commander';
import { ExitCode, ExitError } from '../errors.js';
import { buildProgram } from './program.js';
import { consoleOutput } from './output.js';
import { realContext } from '../run/context.js';

// A closed pipe (infra-lab show ... | head) is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const verbose = process.argv.includes('--verbose') || !!process.env.DEBUG;

try {
  await buildProgram(consoleOutput, realContext).parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeOf(err);
}

function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version end with code 0; commander has already printed its message.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof ExitError) {
    consoleOutput.err(`infra-lab: ${err.message}`);
    if (verbose && err.cause) consoleOutput.err(String((err.cause as Error).stack ?? err.cause));
    return err.code;
  }
  consoleOutput.err(`infra-lab: unexpected error: ${(err as Error)?.message ?? String(err)}`);
  consoleOutput.err(verbose ? String((err as Error)?.stack) : '(run with --verbose for details)');
  return ExitCode.failed;
}
