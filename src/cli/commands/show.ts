import { resolveLab } from '../../lab/load.js';
import { describeAction, type Lab } from '../../lab/model.js';
import type { Output } from '../output.js';
import { table } from '../output.js';

export interface ShowOptions {
  json?: boolean;
}

/** `infra-lab show <lab>`: what a lab contains and what it is meant to teach. */
export async function showCommand(ref: string, options: ShowOptions, output: Output): Promise<void> {
  const lab = resolveLab(ref);
  if (options.json) {
    output.out(JSON.stringify(lab, null, 2));
    return;
  }
  for (const line of describeLab(lab)) output.out(line);
}

function describeLab(lab: Lab): string[] {
  const lines = [`${lab.title} (${lab.name}, stage ${lab.stage}, domain ${lab.domain})`, '', ...lab.description.split('\n'), '', 'Components:'];
  lines.push(
    ...table(
      ['NAME', 'ROLE', 'SERVER', 'NETWORKS', 'REPLICAS', 'FORWARDS TO'],
      lab.components.map((c) => [
        c.name,
        c.role,
        c.server,
        c.networks.join(','),
        c.maxReplicas > c.replicas ? `${c.replicas} (up to ${c.maxReplicas})` : String(c.replicas),
        [...c.upstreams, ...(c.database ? [`writes ${c.database.write}`, `reads ${c.database.read}`] : []), ...(c.replicaOf ? [`replica of ${c.replicaOf}`] : [])].join(', '),
      ]),
    ).map((l) => `  ${l}`),
  );
  lines.push('', 'DNS records:');
  const fqdn = (name: string) => (name === '@' ? lab.domain : name.endsWith('.') ? name.slice(0, -1) : `${name}.${lab.domain}`);
  lines.push(
    ...table(
      ['NAME', 'TYPE', 'VALUE'],
      lab.dns.map((r) => [fqdn(r.name), r.type, r.type === 'A' ? `address of ${r.component}` : fqdn(r.target)]),
    ).map((l) => `  ${l}`),
  );
  lines.push('', 'Entry points:');
  for (const e of lab.entrypoints) lines.push(`  ${e.name}: ${e.protocol} on ${e.component} port ${e.port}`);
  if (lab.scenarios.length) {
    lines.push('', 'Scenarios (infra-lab experiment ' + lab.name + ' <scenario>):');
    for (const s of lab.scenarios) {
      lines.push(`  ${s.name}: ${s.title} [${describeAction(s.action)}]`, `      expect: ${s.expect.says}`);
    }
  }
  if (lab.questions.length) {
    lines.push('', 'Questions to answer afterwards:');
    lab.questions.forEach((q, i) => lines.push(`  ${i + 1}. ${q}`));
  }
  return lines;
}
