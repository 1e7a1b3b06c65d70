import { Command, InvalidArgumentError, Option } from 'commander';
import { FLAVORS, type Flavor } from '../render/flavors.js';
import { VERSION } from '../version.js';
import { labsCommand } from './commands/labs.js';
import { showCommand } from './commands/show.js';
import { generateCommand } from './commands/generate.js';
import type { Output } from './output.js';

const flavorOption = () =>
  new Option('--flavor <flavor>', 'image flavor: official (pinned Docker Hub images) or debian (built here from Debian packages)')
    .choices(FLAVORS as unknown as string[])
    .default('official' satisfies Flavor);

export const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
};

/**
 * The command-line program, built but not run: tests parse argv with it.
 * Each action is an async function of its options; errors propagate to the entry file.
 */
export function buildProgram(output: Output): Command {
  const program = new Command('infra-lab')
    .description('Local Docker Compose labs for learning web infrastructure: start a stack for foobar.com, break it, measure the downtime.')
    .version(VERSION)
    .option('--verbose', 'show details and stack traces')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) })
    .exitOverride();

  program
    .command('labs')
    .description('list the built-in labs, one per curriculum stage')
    .option('--json', 'print JSON')
    .action((opts) => labsCommand(opts, output));

  program
    .command('show')
    .description('show a lab: components, DNS records, scenarios and questions')
    .argument('<lab>', 'a built-in lab name or the path of a lab file')
    .option('--json', 'print JSON')
    .action((ref, opts) => showCommand(ref, opts, output));

  program
    .command('generate')
    .description('render a lab into a standalone Docker Compose project')
    .argument('<lab>', 'a built-in lab name or the path of a lab file')
    .option('-o, --output <dir>', 'project folder (default: ./<lab name>)')
    .addOption(flavorOption())
    .option('--json', 'print JSON')
    .action((ref, opts) => generateCommand(ref, opts, output));

  return program;
}
