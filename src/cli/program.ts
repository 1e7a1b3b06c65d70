import { Command, InvalidArgumentError, Option } from 'commander';
import { FLAVORS, type Flavor } from '../render/flavors.js';
import { VERSION } from '../version.js';
import { labsHome } from '../run/context.js';
import { DIAGRAM_FORMATS } from '../report/diagram.js';
import { FAULT_MODES, STRATEGIES } from '../lab/model.js';
import type { RunContext } from '../run/context.js';
import { TIMINGS } from '../run/timings.js';
import { FAULT_RANGES, parseRate, parseTime } from '../lab/quantities.js';
import type { Output } from './output.js';

/**
 * A command's module is loaded when that command runs, so that --help and the light commands do not
 * pay for what the others need (the engine, compose, the YAML parser, Graphviz).
 */
const commands = {
  labs: () => import('./commands/labs.js'),
  show: () => import('./commands/show.js'),
  generate: () => import('./commands/generate.js'),
  up: () => import('./commands/up.js'),
  status: () => import('./commands/status.js'),
  down: () => import('./commands/down.js'),
  attached: () => import('./commands/attached.js'),
  images: () => import('./commands/images.js'),
  faults: () => import('./commands/faults.js'),
  watch: () => import('./commands/watch.js'),
  experiment: () => import('./commands/experiment.js'),
  diagram: () => import('./commands/diagram.js'),
  report: () => import('./commands/report.js'),
  ui: () => import('./commands/ui.js'),
  maintenance: () => import('./commands/maintenance.js'),
  exercises: () => import('./commands/exercises.js'),
  check: () => import('./commands/check.js'),
  grade: () => import('./commands/grade.js'),
};

const flavorOption = () =>
  new Option('--flavor <flavor>', 'image flavor: official (pinned Docker Hub images) or debian (built here from Debian packages)')
    .choices(FLAVORS as unknown as string[])
    .default('official' satisfies Flavor);

/** For a lab that may run already: no default, so that the flavor it was started with is kept unless another is asked for. */
const runFlavorOption = () =>
  new Option('--flavor <flavor>', 'image flavor: official or debian (default: the one the lab was started with, else official)').choices(FLAVORS as unknown as string[]);

/** The probe's pace, the same for every command that measures (watch, experiment, restart, deploy). */
const probeOptions = (c: Command) =>
  c
    .option('--interval <ms>', `time between probe requests, ${range(10, 10_000)}`, wholeNumber(10, 10_000), TIMINGS.probeIntervalMs)
    .option('--timeout <ms>', `how long a probe request may take before it counts as failed, ${range(100, 60_000)}`, wholeNumber(100, 60_000), TIMINGS.probeTimeoutMs);

/** Commands that act on a running lab take it with --lab. */
const labOption = () => new Option('--lab <lab>', 'the lab (may be left out when only one is up)');

const range = (min: number, max: number) => `${min} to ${max}`;

/**
 * A whole number within a range that --help states. Written in digits only: 1e9 or 0x10 are refused,
 * and so is anything outside the range, before the command does anything.
 */
export const wholeNumber = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d{1,9}$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${range(min, max)}`);
  return n;
};

/** A time or a rate as people write them (lab/quantities.ts), within its range. */
const quantity = (parse: (text: string) => number | undefined, key: keyof typeof FAULT_RANGES, what: string) => (value: string) => {
  const n = parse(value);
  const { min, max } = FAULT_RANGES[key];
  if (n === undefined || n < min || n > max) throw new InvalidArgumentError(`${what}, from ${min} to ${max} ${key === 'rateKbit' ? 'kbit/s' : 'ms'}`);
  return n;
};

/**
 * The page `load` requests: a path on the lab's own entry point. It starts with one '/' and has no
 * spaces, backslashes or control characters, so that it cannot name another host (//host, /\\host, a URL).
 */
export const requestPath = (value: string) => {
  const onLab = (() => {
    try {
      return new URL(value, 'http://lab.invalid').origin === 'http://lab.invalid';
    } catch {
      return false;
    }
  })();
  if (!/^\/(?!\/)[\x21-\x7e]*$/.test(value) || value.includes('\\') || !onLab || value.length > 2048)
    throw new InvalidArgumentError("a path on the lab's site starting with a single '/', like /api/visits (no URL, spaces or backslashes)");
  return value;
};

/**
 * The command-line program, built but not run: tests parse argv with it.
 * Each action is an async function of its options; errors propagate to the entry file.
 */
export function buildProgram(output: Output, context: () => Promise<RunContext>): Command {
  const program = new Command('infra-lab')
    .description('Local Docker Compose labs for learning web infrastructure: start a stack for foobar.com, break it, measure the downtime.')
    .version(VERSION)
    .option('--verbose', 'show details and stack traces')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) })
    .exitOverride()
    // Options after a command belong to it: `deploy --version 3` is the app's version, not infra-lab's.
    .enablePositionalOptions();

  /** Every command also takes --verbose, wherever it is written. */
  const command = (name: string) => program.command(name).option('--verbose', 'show details and stack traces');

  command('labs')
    .description('list the built-in labs, one per curriculum stage')
    .option('--json', 'print JSON')
    .action(async (opts) => (await commands.labs()).labsCommand(opts, output));

  command('show')
    .description('show a lab: components, DNS records, scenarios and questions')
    .argument('<lab>', 'a built-in lab name or the path of a lab file')
    .option('--json', 'print JSON')
    .action(async (ref, opts) => (await commands.show()).showCommand(ref, opts, output));

  command('diagram')
    .description('draw a lab: servers, networks, DNS records, the request path and its single points of failure')
    .argument('<lab>', 'a built-in lab name or the path of a lab file')
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .addOption(new Option('--format <format>', 'svg (laid out by Graphviz), dot or mermaid').choices(DIAGRAM_FORMATS as unknown as string[]).default('svg'))
    .option('--json', 'print the topology (components, zones, records, edges, single points of failure) as JSON')
    .action(async (ref, opts) => (await commands.diagram()).diagramCommand(ref, opts, output));

  command('generate')
    .description('render a lab into a standalone Docker Compose project')
    .argument('<lab>', 'a built-in lab name or the path of a lab file')
    .option('-o, --output <dir>', 'project folder (default: ./<lab name>)')
    .addOption(flavorOption())
    .option('--json', 'print JSON')
    .action(async (ref, opts) => (await commands.generate()).generateCommand(ref, opts, output));

  const verbose = (opts: { verbose?: boolean }) => !!(opts.verbose || program.opts().verbose);

  command('up')
    .description('start a lab, wait until every service is healthy, and show where to reach it')
    .argument('<lab>', 'a lab infra-lab has started, a built-in lab, or the path of a lab file')
    .addOption(runFlavorOption())
    .option('--force', 'replace a docker-compose.yml edited by hand (it is kept as docker-compose.yml.edited)')
    .option('--timeout <seconds>', `how long to wait for the services to become healthy, ${range(10, 3600)}`, wholeNumber(10, 3600), TIMINGS.upTimeoutMs / 1000)
    .option('--json', 'print JSON')
    .action(async (ref, opts) => (await commands.up()).upCommand(ref, { ...opts, verbose: verbose(opts) }, context, output));

  command('status')
    .description('state, health, restarts, uptime and ports of each service of the labs')
    .argument('[lab]', 'only this lab')
    .option('--json', 'print JSON, with each lab\'s endpoints')
    .action(async (name, opts) => (await commands.status()).statusCommand(name, opts, await context(), output));

  command('down')
    .description('remove a lab; its database volume stays unless --volumes')
    .argument('[lab]', 'the lab (may be left out when only one is up)')
    .option('--volumes', 'delete the database volumes as well')
    .option('--json', 'print JSON')
    .action(async (name, opts) => (await commands.down()).downCommand(name, opts, await context(), output));

  command('logs')
    .description("show a component's output")
    .argument('<component>', 'a component of the lab, e.g. web or db')
    .addOption(labOption())
    .option('-f, --follow', 'keep following the output')
    .option('--tail <lines>', `only the last lines, ${range(0, 100_000)}`, wholeNumber(0, 100_000))
    .action(async (component, opts) => (await commands.attached()).logsCommand(component, opts, await context()));

  command('exec')
    .description("run a command in a component's container (a shell by default)")
    .argument('<component>', 'a component of the lab')
    .argument('[command...]', 'the command and its arguments')
    .addOption(labOption())
    .passThroughOptions()
    .action(async (component, command, opts) => {
      process.exitCode = await (await commands.attached()).execCommand(component, command, opts, await context());
    });

  command('break')
    .description('break a component of a running lab, or a whole server: kill, stop, crash, pause or disconnect it, or slow, thin, lose or cut its network, or make an app server answer errors or slowly')
    .argument('[component]', 'a component (web, db, ...) or one replica of a scaled one (app.2)')
    .option('--server <server>', 'every component the lab places on this server, together (modes kill, stop, pause, disconnect)')
    .addOption(new Option('--mode <mode>', 'how it breaks').choices(FAULT_MODES as unknown as string[]).default('kill'))
    .option('--delay <time>', `latency, slow: added to each answer, like 300ms or 1s (${FAULT_RANGES.delayMs.min} ms to ${FAULT_RANGES.delayMs.max / 1000} s)`, quantity(parseTime, 'delayMs', 'a time like 300ms or 1.5s'))
    .option('--jitter <time>', 'latency: up to this much more or less, at random (default 0ms)', quantity(parseTime, 'jitterMs', 'a time like 50ms'))
    .option('--percent <n>', `loss: the share of packets dropped; errors: the share of requests answered 500; ${range(FAULT_RANGES.percent.min, FAULT_RANGES.percent.max)}`, wholeNumber(FAULT_RANGES.percent.min, FAULT_RANGES.percent.max))
    .option('--rate <rate>', 'bandwidth: the rate it may send at, like 1mbit or 500kbit', quantity(parseRate, 'rateKbit', 'a rate like 1mbit or 500kbit'))
    .option('--to <component>', 'partition: the component it is cut off from, in both directions')
    .addOption(labOption())
    .option('--json', 'print JSON')
    .action(async (component, opts) => (await commands.faults()).breakCommand(component, opts, await context(), output));

  command('heal')
    .description('undo what break did and wait until healthy again')
    .argument('[components...]', 'the components to heal')
    .option('--server <server>', 'every component the lab places on this server')
    .option('--all', 'heal everything that is broken')
    .addOption(labOption())
    .option('--json', 'print JSON')
    .action(async (components, opts) => (await commands.faults()).healCommand(components, opts, await context(), output));

  probeOptions(command('watch'))
    .description("probe the user's path (DNS, then HTTP through the stack to the database) and show a live timeline")
    .addOption(labOption())
    .option('--duration <seconds>', `stop after this long, ${range(1, 86_400)} (default: at Ctrl-C)`, wholeNumber(1, 86_400))
    .option('--json', 'print every request as a JSON line')
    .action(async (opts) => (await commands.watch()).watchCommand(opts, await context(), output));

  probeOptions(command('experiment'))
    .description("run a scenario of a lab: probe, inject the fault, heal, and compare what was measured with the lab's expectation")
    .argument('<lab>', 'a lab infra-lab has started, a built-in lab, or the path of a lab file')
    .argument('<scenario>', 'a scenario of the lab (infra-lab show <lab> lists them)')
    .addOption(runFlavorOption())
    .option('--hold <seconds>', `how long the fault lasts before infra-lab heals it, ${range(1, 600)}`, wholeNumber(1, 600), TIMINGS.holdMs / 1000)
    .option('--json', 'print JSON')
    .action(async (ref, scenario, opts) => (await commands.experiment()).experimentCommand(ref, scenario, { ...opts, verbose: verbose(opts) }, await context(), output));

  probeOptions(command('restart'))
    .description('restart a component for maintenance, measured with the same probe as watch')
    .argument('<component>', 'a component of the lab, e.g. web')
    .addOption(labOption())
    .option('--json', 'print JSON')
    .action(async (component, opts) => (await commands.maintenance()).restartCommand(component, { ...opts, verbose: verbose(opts) }, await context(), output));

  probeOptions(command('deploy'))
    .description('ship a new version of the app code base, measured: recreate, rolling or blue-green')
    .addOption(labOption())
    .addOption(new Option('--strategy <strategy>', 'how').choices(STRATEGIES as unknown as string[]).default('recreate'))
    .option('--version <version>', 'the version to ship (default: one more than the current)')
    .option('--force', 'deploy even the version that already runs (its servers are replaced all the same)')
    .option('--json', 'print JSON')
    .action(async (opts) => (await commands.maintenance()).deployCommand({ ...opts, verbose: verbose(opts) }, await context(), output));

  command('load')
    .description('HTTP load through the entry point: requests/s, latency, errors, and which limit was hit')
    .addOption(labOption())
    .option('--connections <n>', `concurrent connections, ${range(1, 1000)}`, wholeNumber(1, 1000), 16)
    .option('--duration <seconds>', `how long, ${range(1, 3600)}`, wholeNumber(1, 3600), 10)
    .option('--rate <n>', `requests per second over all connections, ${range(1, 100_000)} (default: as fast as answered)`, wholeNumber(1, 100_000))
    .option('--path <path>', "the page to request, a path starting with '/'", requestPath, '/')
    .option('--json', 'print JSON')
    .action(async (opts) => (await commands.maintenance()).loadCommand(opts, await context(), output));

  command('scale')
    .description('run more or fewer replicas of a component the lab lets scale, e.g. app=3')
    .argument('<component=N>', 'the component and its new number of replicas')
    .addOption(labOption())
    .option('--json', 'print JSON')
    .action(async (arg, opts) => (await commands.maintenance()).scaleCommand(arg, { ...opts, verbose: verbose(opts) }, await context(), output));

  command('report')
    .description("list a lab's reports (experiments, restarts, deploys, load runs) and print or open the newest")
    .argument('[lab]', 'the lab (may be left out when only one has reports)')
    .option('--open', 'open the newest HTML report in the default browser')
    .option('--json', 'print JSON')
    .action(async (lab, opts) => (await commands.report()).reportCommand(lab, opts, { home: labsHome() }, output));

  command('ui')
    .description('a live dashboard of a running lab in the browser: its diagram coloured by state, the probe timeline, break, heal and scenarios')
    .addOption(labOption())
    .option('--port <port>', `port on 127.0.0.1, ${range(1, 65535)} (default: any free one)`, wholeNumber(1, 65535))
    .option('--json', 'print the URL as JSON')
    .action(async (opts) => (await commands.ui()).uiCommand(opts, await context(), output));

  command('exercises')
    .description('list the classroom exercises: a design task per curriculum stage, checked live')
    .option('--json', 'print JSON')
    .action(async (opts) => (await commands.exercises()).exercisesCommand(opts, output));

  const exercise = program.command('exercise').description('one classroom exercise: show its task, or start it in a folder');
  exercise
    .command('show')
    .description('the task and its checks')
    .argument('<exercise>', 'an exercise id (infra-lab exercises lists them) or the path of an exercise file')
    .option('--json', 'print JSON')
    .option('--verbose', 'show details and stack traces')
    .action(async (ref, opts) => (await commands.exercises()).exerciseShowCommand(ref, opts, output));
  exercise
    .command('start')
    .description('write the task (TASK.md), the lab to start from (lab.yaml) and, where the exercise has one, the answers file into a folder; never overwrites')
    .argument('<exercise>', 'an exercise id or the path of an exercise file')
    .argument('[dir]', 'the folder (default: ./<exercise id>)')
    .option('--json', 'print JSON')
    .option('--verbose', 'show details and stack traces')
    .action(async (ref, dir, opts) => (await commands.exercises()).exerciseStartCommand(ref, dir, opts, output));

  command('check')
    .description("check a submission live: bring its lab up under a name of its own, run the exercise's checks, take it down; exit 0 all pass, 1 a check fails, 2 invalid")
    .argument('[exercise]', 'the exercise (default: the one the folder was started for)')
    .argument('[submission]', 'the folder holding lab.yaml (default: .) or a lab file')
    .addOption(flavorOption())
    .option('--time-limit <seconds>', `for the whole check, up and teardown included, ${range(30, 7200)} (default: the exercise's)`, wholeNumber(30, 7200))
    .option('--json', 'print JSON')
    .action(async (a, b, opts) => (await commands.check()).checkCommand([a, b].filter((x) => x !== undefined), { ...opts, verbose: verbose(opts) }, context, output));

  command('grade')
    .description('check every submission of a folder (one per sub-folder) and write a CSV and a Markdown summary')
    .argument('<exercise>', 'the exercise')
    .argument('<folder>', 'a folder with one sub-folder per student')
    .option('--out <file>', 'the CSV file (default: <folder>/results.csv); the summary goes beside it as .md')
    .option('--jobs <n>', `submissions checked at the same time, ${range(1, 8)}`, wholeNumber(1, 8), 1)
    .option('--time-limit <seconds>', `per submission, ${range(30, 7200)} (default: the exercise's)`, wholeNumber(30, 7200))
    .option('--force', 'check again the submissions the CSV already has')
    .addOption(flavorOption())
    .option('--json', 'print JSON')
    .action(async (id, folder, opts) => (await commands.grade()).gradeCommand(id, folder, { ...opts, verbose: verbose(opts) }, context, output));

  const images = program.command('images').description('the images the labs run on');
  const imagesCommand = (name: string) => images.command(name).option('--verbose', 'show details and stack traces');
  imagesCommand('build')
    .description('build the debian flavor images from Debian packages, without a registry')
    .addOption(flavorOption().default('debian'))
    .option('--force', 'rebuild even what is up to date')
    .option('--base <image>', 'build on this existing Debian bookworm image instead of a debootstrap')
    .option('--json', 'print JSON')
    .action(async (opts) => (await commands.images()).imagesBuildCommand({ ...opts, verbose: verbose(opts) }, await context(), output));
  imagesCommand('list')
    .description('which images each flavor needs and which are here')
    .option('--json', 'print JSON')
    .action(async (opts) => (await commands.images()).imagesListCommand(opts, await context(), output));

  return program;
}
