import type { RunContext } from '../../run/context.js';
import { labStatuses, type LabStatus } from '../../run/labs.js';
import { table, type Output } from '../output.js';

export interface StatusOptions {
  json?: boolean;
}

/** `infra-lab status [lab]`: per service state, health, restarts, uptime and ports. */
export async function statusCommand(name: string | undefined, options: StatusOptions, ctx: RunContext, output: Output): Promise<void> {
  await ctx.runtime.ping();
  const { statuses, damaged } = await labStatuses(ctx, name);
  const now = ctx.clock();
  // A damaged project does not hide the others: they are shown, then it is named with the way out (exit 2).
  for (const d of damaged.slice(1)) output.err(`infra-lab: ${d.error.message}`);
  show(statuses, damaged.length > 0, options, now, output);
  if (damaged.length) throw damaged[0].error;
}

function show(statuses: LabStatus[], anyDamaged: boolean, options: StatusOptions, now: number, output: Output): void {
  if (options.json) {
    output.out(JSON.stringify(statuses.map((s) => toJson(s, now)), null, 2));
    return;
  }
  if (statuses.length === 0 && !anyDamaged) {
    output.out('No lab has been started yet. Start one with infra-lab up single-server.');
    return;
  }
  for (const s of statuses) {
    output.out(`${s.lab}: ${s.state} (${s.flavor} images; project ${s.projectDir})`);
    // Grouped by the server each component stands for: what goes down together with break --server.
    const serverOf = new Map(s.project.lab.components.map((c) => [c.name, c.server]));
    const servers = [...new Set(serverOf.values())];
    const byServer = [...s.services].sort((a, b) => servers.indexOf(serverOf.get(a.component)!) - servers.indexOf(serverOf.get(b.component)!));
    const rows = byServer.flatMap((svc) =>
      (svc.containers.length ? svc.containers : [undefined]).map((c) => [
        serverOf.get(svc.component) ?? '-',
        svc.component,
        svc.role,
        c ? c.state : 'missing',
        c?.health ?? '-',
        c ? String(c.restartCount) : '-',
        c?.startedAt ? uptime(now - c.startedAt.getTime()) : '-',
        c ? c.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.container}`).join(' ') : '',
      ]),
    );
    for (const line of table(['SERVER', 'COMPONENT', 'ROLE', 'STATE', 'HEALTH', 'RESTARTS', 'UPTIME', 'PORTS'], rows)) output.out(`  ${line}`);
    for (const [k, v] of Object.entries(s.endpoints.all)) output.out(`  ${k}: ${v}`);
    for (const h of s.helpers)
      output.out(`  helper: ${h.name} (${h.kind}, ${h.state}${h.stale ? '; stale: the infra-lab command it served is gone; the next watch, experiment or down removes it' : ''})`);
    output.out('');
  }
}

function toJson(s: LabStatus, now: number) {
  return {
    lab: s.lab,
    state: s.state,
    flavor: s.flavor,
    projectDir: s.projectDir,
    endpoints: s.endpoints,
    volumes: s.volumes,
    helpers: s.helpers,
    services: s.services.map((svc) => ({
      component: svc.component,
      role: svc.role,
      ready: svc.ready,
      state: svc.summary,
      containers: svc.containers.map((c) => ({
        name: c.name,
        state: c.state,
        health: c.health ?? null,
        restarts: c.restartCount,
        uptimeSeconds: c.startedAt ? Math.round((now - c.startedAt.getTime()) / 1000) : null,
        ports: c.ports,
        addresses: c.networks,
      })),
    })),
  };
}

function uptime(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
