import type { RunContext } from '../../run/context.js';
import { startDashboard } from '../../ui/dashboard-server.js';
import type { Output } from '../output.js';

export interface UiCommandOptions {
  lab?: string;
  port?: number;
  json?: boolean;
}

/** `infra-lab ui`: the live dashboard of a running lab, on 127.0.0.1, until Ctrl-C. */
export async function uiCommand(options: UiCommandOptions, ctx: RunContext, output: Output): Promise<void> {
  const dashboard = await startDashboard(ctx, { lab: options.lab, port: options.port });
  if (options.json) output.out(JSON.stringify({ url: dashboard.url }));
  else {
    output.out(`The dashboard: ${dashboard.url}`);
    output.progress('Open it in a browser on this machine; the token in the URL is its key. Ctrl-C stops it.');
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await dashboard.close();
}
