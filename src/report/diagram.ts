import type { Role } from '../lab/model.js';
import { USER, type EdgeKind, type Topology, type TopologyComponent, type TopologyEdge } from './topology.js';
import { escapeHtml as esc } from './escape.js';

/**
 * Renderers of a lab's topology: Graphviz DOT (laid out into SVG by Graphviz compiled to
 * WebAssembly, nothing to install) and Mermaid text. Every node of the SVG carries an id
 * (c-<component>, rec-<n>, user) and classes (component, role-<role>, spof, spof-<kind>, state-<state>),
 * so that pages and tests can find and colour them.
 */

export const DIAGRAM_FORMATS = ['svg', 'dot', 'mermaid'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

/** What happened to a component, drawn on it: a report marks what was broken, the dashboard what is down. */
export interface ComponentMark {
  state: 'down' | 'broken';
  note: string;
}

export interface DiagramOptions {
  marks?: Record<string, ComponentMark>;
}

// Graphviz measures text with the metrics of the font it is told; Verdana's are those of DejaVu Sans,
// which is what browsers on Linux substitute for it, so labels fit their boxes on every system.
const FONT = 'Verdana';

const ROLE_TEXT: Record<Role, string> = {
  dns: 'DNS server',
  lb: 'load balancer',
  web: 'web server (nginx)',
  app: 'app server (Node)',
  db: 'database (MySQL)',
  monitor: 'monitoring',
};

const ROLE_FILL: Record<Role, string> = {
  dns: '#ede7f6',
  lb: '#fff3e0',
  web: '#e8f5e9',
  app: '#e3f2fd',
  db: '#efebe9',
  monitor: '#f5f5f5',
};

const EDGE_STYLE: Record<EdgeKind, { color: string; style: string; penwidth: number; text: string }> = {
  dns: { color: '#6a1b9a', style: 'solid', penwidth: 1.6, text: 'DNS query' },
  http: { color: '#000000', style: 'bold', penwidth: 2.2, text: 'HTTP request' },
  lb: { color: '#e65100', style: 'solid', penwidth: 1.6, text: 'load balancer to web' },
  web: { color: '#2e7d32', style: 'solid', penwidth: 1.6, text: 'web to app' },
  'db-write': { color: '#b71c1c', style: 'solid', penwidth: 1.6, text: 'app to database: writes' },
  'db-read': { color: '#1565c0', style: 'solid', penwidth: 1.6, text: 'app to database: reads' },
  replication: { color: '#6d4c41', style: 'dashed', penwidth: 1.6, text: 'replication' },
  record: { color: '#757575', style: 'dotted', penwidth: 1.2, text: 'DNS record points to' },
  scrape: { color: '#9e9e9e', style: 'dotted', penwidth: 1, text: 'monitoring scrapes' },
};

const SPOF_COLOR = '#c62828';
const WRITE_SPOF_COLOR = '#ef6c00';

const id = (s: string) => `"${s.replace(/["\\]/g, '')}"`;
const nodeId = (name: string) => (name === USER || name.startsWith('rec-') ? name : `c-${name}`);

export const spofText = (c: Pick<TopologyComponent, 'spof'>) =>
  c.spof === 'all' ? 'SINGLE POINT OF FAILURE' : c.spof ? `SINGLE POINT OF FAILURE for ${c.spof}` : undefined;

function componentNode(c: TopologyComponent, mark: ComponentMark | undefined): string {
  const rows = [`<B>${esc(c.name)}</B>`, `<FONT POINT-SIZE="9">${esc(ROLE_TEXT[c.role])}${c.tls ? ', TLS' : ''}</FONT>`];
  if (c.replicas > 1 || c.maxReplicas > c.replicas)
    rows.push(`<FONT POINT-SIZE="9">${c.replicas} replica${c.replicas > 1 ? 's' : ''}${c.maxReplicas > c.replicas ? ` (up to ${c.maxReplicas})` : ''}</FONT>`);
  if (c.scrapes.length) rows.push(`<FONT POINT-SIZE="8">scrapes ${esc(c.scrapes.join(', '))}</FONT>`);
  if (c.otherNetworks.length) rows.push(`<FONT POINT-SIZE="8" COLOR="#555555">${c.inZone ? 'also ' : ''}on ${esc(c.otherNetworks.join(', '))}${c.inZone ? '' : ' only'}</FONT>`);
  const spof = spofText(c);
  if (spof) rows.push(`<FONT POINT-SIZE="8" COLOR="${mark ? '#ffffff' : c.spof === 'all' ? SPOF_COLOR : WRITE_SPOF_COLOR}"><B>${esc(spof)}</B></FONT>`);
  if (mark) rows.push(`<FONT POINT-SIZE="9" COLOR="#ffffff"><B>${esc(mark.note)}</B></FONT>`);
  const classes = ['component', `role-${c.role}`, ...(c.spof ? ['spof', `spof-${c.spof}`] : []), ...(mark ? [`state-${mark.state}`] : [])];
  const attrs = [
    `id="${esc(nodeId(c.name))}"`,
    `class="${classes.join(' ')}"`,
    `label=<${table(rows)}>`,
    `fillcolor="${mark ? '#c62828' : ROLE_FILL[c.role]}"`,
    `fontcolor="${mark ? '#ffffff' : '#000000'}"`,
    c.spof ? `color="${c.spof === 'all' ? SPOF_COLOR : WRITE_SPOF_COLOR}", penwidth=3` : 'color="#616161", penwidth=1',
    ...(c.replicas > 1 ? ['peripheries=2'] : []),
    `tooltip="${esc(`${c.name}: ${ROLE_TEXT[c.role]} on ${c.server}; networks ${c.networks.join(', ')}`)}"`,
  ];
  return `${id(nodeId(c.name))} [${attrs.join(', ')}];`;
}

const table = (rows: string[]) => `<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">${rows.map((r) => `<TR><TD>${r}</TD></TR>`).join('')}</TABLE>`;

function edgeLine(e: TopologyEdge): string {
  const s = EDGE_STYLE[e.kind];
  const attrs = [`color="${s.color}"`, `fontcolor="${s.color}"`, `penwidth=${s.penwidth}`, `style="${e.fallback ? 'dashed' : s.style}"`, `class="edge-${e.kind}"`];
  if (e.label) attrs.push(`label="${esc(e.label)}"`);
  if (e.fallback) attrs.push('label="backup"');
  // Scrapes and record pointers are read across the drawing; they must not stretch the request path.
  if (e.kind === 'replication') attrs.push('constraint=false');
  if (e.kind === 'record') attrs.push('arrowhead=vee');
  return `${id(nodeId(e.from))} -> ${id(nodeId(e.to))} [${attrs.join(', ')}];`;
}

function legend(t: Topology): string {
  const kinds = [...new Set(t.edges.map((e) => e.kind))].filter((k) => k !== 'scrape' && k !== 'record');
  const line = (color: string, dashed: boolean, text: string) =>
    `<TD WIDTH="26"><FONT COLOR="${color}"><B>${dashed ? '- - -' : '&#8212;&#8212;'}</B></FONT></TD><TD ALIGN="LEFT">${esc(text)}</TD>`;
  const boxes = [
    `<TD BORDER="3" COLOR="${SPOF_COLOR}" WIDTH="26"> </TD><TD ALIGN="LEFT">single point of failure: its loss fails every request</TD>`,
    `<TD BORDER="3" COLOR="${WRITE_SPOF_COLOR}" WIDTH="26"> </TD><TD ALIGN="LEFT">single point of failure for writes (or reads) only</TD>`,
    `<TD BORDER="1" COLOR="#c62828" STYLE="dashed" WIDTH="26"> </TD><TD ALIGN="LEFT">internal network: firewalled, no route outside</TD>`,
    `<TD BORDER="1" COLOR="#90a4ae" WIDTH="26"> </TD><TD ALIGN="LEFT">network zone; grey boxes in it are servers</TD>`,
    ...t.otherNetworks.map(
      (n) => `<TD WIDTH="26"></TD><TD ALIGN="LEFT">${esc(n.network)} network${n.internal ? ' (internal, firewalled)' : ''}: inside servers; its parts say "on ${esc(n.network)}"</TD>`,
    ),
    ...(t.components.some((c) => c.replicas > 1) ? [`<TD BORDER="2" COLOR="#616161" WIDTH="26"> </TD><TD ALIGN="LEFT">double border: several replicas</TD>`] : []),
  ];
  const lines = [
    ...kinds.map((k) => line(EDGE_STYLE[k].color, EDGE_STYLE[k].style === 'dashed', EDGE_STYLE[k].text)),
    ...(t.edges.some((e) => e.fallback) ? [line(EDGE_STYLE.web.color, true, 'backup: used when the first is down')] : []),
  ];
  const half = Math.ceil(lines.length / 2);
  const columns = [boxes, lines.slice(0, half), lines.slice(half)];
  const rows = Array.from({ length: Math.max(...columns.map((c) => c.length)) }, (_, i) =>
    `<TR>${columns.map((c) => c[i] ?? '<TD></TD><TD></TD>').join('<TD WIDTH="12"></TD>')}</TR>`,
  );
  return `legend [id="legend", class="legend", shape=plaintext, style=solid, fontsize=9, label=<<TABLE BORDER="1" COLOR="#bdbdbd" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2"><TR><TD COLSPAN="8" ALIGN="LEFT"><B>Legend</B></TD></TR>${rows.join('')}</TABLE>>];`;
}

/** The lab as a Graphviz graph. */
export function diagramDot(t: Topology, options: DiagramOptions = {}): string {
  const marks = options.marks ?? {};
  const lines = [
    `// The topology of the lab ${t.lab}, written by infra-lab.`,
    'digraph lab {',
    `  graph [fontname="${FONT}", fontsize=12, rankdir=TB, compound=true, newrank=true, nodesep=0.3, ranksep=0.45, pad=0.2, labelloc=t, label=<<B>${esc(t.lab)}</B>: ${esc(t.title)}>, tooltip="${esc(t.lab)}"];`,
    `  node [fontname="${FONT}", fontsize=11, shape=box, style="rounded,filled", margin="0.14,0.05"];`,
    `  edge [fontname="${FONT}", fontsize=9, arrowsize=0.7];`,
    `  ${id(USER)} [id="user", class="user", label="user's browser", shape=box, style="rounded,filled", fillcolor="#fffde7", color="#616161"];`,
  ];
  const dnsServers = new Set(t.components.filter((c) => c.role === 'dns').map((c) => c.server));
  for (const zone of t.zones) {
    lines.push(
      `  subgraph ${id(`cluster_net_${zone.network}`)} {`,
      `    id="zone-${esc(zone.network)}"; class="zone${zone.internal ? ' internal' : ''}"; tooltip="${esc(zone.description || zone.network)}";`,
      `    label=<<B>${esc(zone.network)}</B> network${zone.internal ? ': internal, firewalled' : ''}>; labeljust=l; fontsize=10;`,
      `    style="${zone.internal ? 'dashed,rounded' : 'rounded'}"; color="${zone.internal ? '#c62828' : '#90a4ae'}"; fontcolor="${zone.internal ? '#c62828' : '#455a64'}"; penwidth=1.4;`,
    );
    // The DNS server last: the user stands beside it, and the request path then runs on without crossing the zone file.
    for (const server of [...zone.servers.filter((x) => !dnsServers.has(x.name)), ...zone.servers.filter((x) => dnsServers.has(x.name))]) {
      lines.push(
        `    subgraph ${id(`cluster_server_${server.name}`)} {`,
        `      id="server-${esc(server.name)}"; class="server"; label=<server <B>${esc(server.name)}</B>>; labeljust=l; fontsize=9; style="rounded,filled"; fillcolor="#fafafa"; color="#9e9e9e"; fontcolor="#424242";`,
      );
      for (const name of server.components) lines.push(`      ${componentNode(t.components.find((c) => c.name === name)!, marks[name])}`);
      // The zone file lives on the DNS server.
      if (dnsServers.has(server.name)) {
        lines.push(`      subgraph ${id(`cluster_records_${server.name}`)} {`, `        id="records"; class="records"; label=<zone <B>${esc(t.domain)}</B>>; fontsize=9; style="dashed,rounded"; color="#9e9e9e"; fillcolor="#ffffff";`);
        for (const r of t.records)
          lines.push(
            `        ${id(r.id)} [id="${r.id}", class="record", shape=note, style=filled, fillcolor="#ffffff", color="#757575", fontsize=9, label="${esc(`${r.fqdn}  ${r.type}  ${r.type === 'A' ? `address of ${r.value}` : r.value}`)}"];`,
          );
        lines.push('      }');
      }
      lines.push('    }');
    }
    lines.push('  }');
  }
  // Monitoring is off the request path: what it scrapes is written on its node, not drawn across the
  // picture; an invisible edge from the first thing it scrapes keeps it beside the request path.
  const placed = new Set<string>();
  for (const e of t.edges) {
    // An A record names its component in its text: a line across the picture to it would only add crossings.
    if (e.kind === 'record' && !e.to.startsWith('rec-')) continue;
    if (e.kind !== 'scrape') lines.push(`  ${edgeLine(e)}`);
    else if (!placed.has(e.from)) {
      placed.add(e.from);
      lines.push(`  ${id(nodeId(e.to))} -> ${id(nodeId(e.from))} [style=invis];`);
    }
  }
  lines.push(`  ${legend(t)}`);
  // The legend goes under the picture: below every component nothing is forwarded from.
  const sinks = t.components.filter((c) => !t.edges.some((e) => e.from === c.name && e.kind !== 'scrape' && e.kind !== 'replication'));
  for (const c of sinks) lines.push(`  ${id(nodeId(c.name))} -> legend [style=invis];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The lab as a Mermaid flowchart, for Markdown that renders it (GitHub, GitLab). */
export function diagramMermaid(t: Topology, options: DiagramOptions = {}): string {
  const mid = (name: string) => name.replace(/[^A-Za-z0-9]/g, '_');
  const node = (name: string) => mid(nodeId(name));
  const q = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['%% The topology of the lab ' + t.lab + ', written by infra-lab.', 'flowchart TB', `  ${node(USER)}(${q("user's browser")})`];
  for (const zone of t.zones) {
    lines.push(`  subgraph ${mid(`zone-${zone.network}`)}[${q(`${zone.network} network${zone.internal ? ': internal, firewalled' : ''}`)}]`);
    for (const server of zone.servers) {
      lines.push(`    subgraph ${mid(`server-${server.name}`)}[${q(`server ${server.name}`)}]`);
      for (const name of server.components) {
        const c = t.components.find((x) => x.name === name)!;
        const parts = [`<b>${c.name}</b>`, ROLE_TEXT[c.role], ...(c.replicas > 1 ? [`${c.replicas} replicas`] : []), ...(spofText(c) ? [spofText(c)!] : []), ...(options.marks?.[name] ? [options.marks[name].note] : [])];
        lines.push(`      ${node(name)}(${q(parts.join('<br/>'))})`);
      }
      if (t.components.some((c) => c.role === 'dns' && c.server === server.name))
        for (const r of t.records) lines.push(`      ${node(r.id)}[/${q(`${r.fqdn} ${r.type} ${r.type === 'A' ? `address of ${r.value}` : r.value}`)}/]`);
      lines.push('    end');
    }
    lines.push('  end');
  }
  for (const e of t.edges) {
    const label = e.fallback ? 'backup' : e.label;
    const arrow = e.fallback || EDGE_STYLE[e.kind].style !== 'solid' && EDGE_STYLE[e.kind].style !== 'bold' ? '-.->' : e.kind === 'http' ? '==>' : '-->';
    lines.push(`  ${node(e.from)} ${arrow}${label ? `|${q(label)}|` : ''} ${node(e.to)}`);
  }
  lines.push(`  classDef spof stroke:${SPOF_COLOR},stroke-width:3px`, `  classDef spofWrites stroke:${WRITE_SPOF_COLOR},stroke-width:3px`, '  classDef down fill:#c62828,color:#ffffff');
  const all = t.components.filter((c) => c.spof === 'all').map((c) => node(c.name));
  const partial = t.components.filter((c) => c.spof && c.spof !== 'all').map((c) => node(c.name));
  const down = Object.keys(options.marks ?? {}).map(node);
  if (all.length) lines.push(`  class ${all.join(',')} spof`);
  if (partial.length) lines.push(`  class ${partial.join(',')} spofWrites`);
  if (down.length) lines.push(`  class ${down.join(',')} down`);
  return `${lines.join('\n')}\n`;
}

type Viz = { renderString(src: string, options: { format: string; engine?: string }): string };
let viz: Promise<Viz> | undefined;

/** Lays out a DOT graph into SVG. Graphviz (WebAssembly) is loaded on first use. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
}

/** An SVG document as an element to put inside an HTML page: without its XML declaration and doctype. */
export const inlineSvg = (svg: string) => svg.replace(/^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?/, '');

export async function renderDiagram(t: Topology, format: DiagramFormat, options: DiagramOptions = {}): Promise<string> {
  if (format === 'mermaid') return diagramMermaid(t, options);
  const dot = diagramDot(t, options);
  return format === 'dot' ? dot : dotToSvg(dot);
}
