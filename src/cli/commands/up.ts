import type { Flavor } from '../../render/flavors.js';
import { TLS_FILES } from '../../render/project.js';
import type { RunContext } from '../../run/context.js';
import { labOfRef } from '../../run/labs.js';
import { up } from '../../run/up.js';
import { progressPrinter } from '../progress.js';
import { onInterrupt, signalName } from '../on-interrupt.js';
import { seconds, type Output } from '../output.js';

export interface UpCommandOptions {
  flavor?: Flavor;
  force?: boolean;
  json?: boolean;
  verbose?: boolean;
  timeout?: number;
}

/** `infra-lab up <lab>`: start a lab and show where to reach it. Ctrl-C (or SIGTERM, SIGHUP) removes the half-started lab. */
export async function upCommand(ref: string, options: UpCommandOptions, context: () => Promise<RunContext>, output: Output): Promise<void> {
  // Listen first: a signal that comes while the engine is being found must not kill the process later, in the middle of compose up.
  const controller = new AbortController();
  const stopListening = onInterrupt((signal, count) => {
    if (count === 1) output.progress(`${signalName(signal)}: stopping…`);
    else output.progress(`${signalName(signal)}: still cleaning up; a moment…`);
    controller.abort();
  });
  try {
    const ctx = await context();
    const { lab, labText } = labOfRef(ctx, ref);
    if (options.verbose) output.progress(`engine: ${ctx.runtime.endpoint.address} (${ctx.runtime.endpoint.source}); compose: ${await ctx.compose.describe()}`);
    const result = await up(ctx, lab, { flavor: options.flavor, labText, force: options.force, signal: controller.signal, timeoutMs: options.timeout ? options.timeout * 1000 : undefined }, progressPrinter(output, !!options.verbose));
    if (options.json) {
      output.out(JSON.stringify({ ...result, services: result.services.map((s) => ({ component: s.component, state: s.summary })) }, null, 2));
      return;
    }
    const e = result.endpoints;
    output.out(
      result.outcome === 'unchanged'
        ? `${lab.name} is already up and matches its lab file; nothing changed.`
        : `${lab.name} is up (${result.outcome === 'updated' ? 'updated to the lab file' : 'started'}) with the ${result.flavor} images in ${seconds(result.ms)}.`,
    );
    if (e.https) output.out(`  site:     ${e.https}  (Host: www.${lab.domain}; certificate in ${result.projectDir}/tls/${TLS_FILES.cert})`);
    if (e.http) output.out(`  site:     ${e.http}  (Host: www.${lab.domain})`);
    if (e.dns) output.out(`  dns:      ${e.dns} (udp)${e.dnsTcp ? `, ${e.dnsTcp} (tcp)` : ''}`);
    if (e.monitor) output.out(`  monitor:  ${e.monitor}`);
    if (result.dns) output.out(`  www.${lab.domain} is a CNAME for ${result.dns.cname.join(', ')}, which has the address ${result.dns.addresses.join(', ')}`);
    if (result.page) output.out(`  the page answered ${result.page.status}${result.page.answeredBy ? `, from app server ${result.page.answeredBy}` : ''}`);
    output.out('');
    output.out('Try next:');
    if (e.dns) {
      const [host, port] = e.dns.split(':');
      output.out(`  dig @${host} -p ${port} www.${lab.domain}`);
    }
    if (e.dnsTcp) {
      const [host, port] = e.dnsTcp.split(':');
      output.out(`  dig +tcp @${host} -p ${port} www.${lab.domain}`);
    }
    const site = e.https ?? e.http;
    if (site) output.out(`  curl ${e.https ? `--cacert ${result.projectDir}/tls/${TLS_FILES.cert} --resolve www.${lab.domain}:${new URL(site).port}:127.0.0.1 https://www.${lab.domain}:${new URL(site).port}/` : `-H 'Host: www.${lab.domain}' ${site}api/visits`}`);
    output.out(`  infra-lab status ${lab.name}`);
    output.out(`  infra-lab down ${lab.name}`);
  } finally {
    stopListening();
  }
}
