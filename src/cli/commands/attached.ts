import { ExitCode, ExitError } from '../../errors.js';
import type { RunContext } from '../../run/context.js';
import { componentOf, targetLab } from '../../run/labs.js';

/** `infra-lab logs <component>`: the component's output, through compose. */
export async function logsCommand(component: string, options: { lab?: string; follow?: boolean; tail?: number }, ctx: RunContext): Promise<void> {
  const status = await targetLab(ctx, options.lab);
  componentOf(status, component);
  const code = await ctx.compose.attached(status.projectDir, ['logs', '--no-color', ...(options.tail !== undefined ? ['--tail', String(options.tail)] : []), ...(options.follow ? ['--follow'] : []), component]);
  if (code !== 0) throw new ExitError(`compose logs ${component} exited with ${code}`, ExitCode.failed);
}

/** `infra-lab exec <component> [cmd...]`: a command (a shell by default) inside a component's container. */
export async function execCommand(component: string, command: string[], options: { lab?: string }, ctx: RunContext): Promise<number> {
  const status = await targetLab(ctx, options.lab);
  const svc = componentOf(status, component);
  if (!svc.containers.some((c) => c.state === 'running')) throw new ExitError(`${component} is not running (${svc.summary}); nothing to run a command in`, ExitCode.failed);
  const tty = process.stdin.isTTY ? [] : ['-T'];
  // `exec db -- mysql ...` and `exec db mysql ...` mean the same.
  const argv = command[0] === '--' ? command.slice(1) : command;
  return ctx.compose.attached(status.projectDir, ['exec', ...tty, component, ...(argv.length ? argv : ['sh'])]);
}
