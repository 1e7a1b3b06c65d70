import type { Lab } from '../lab/model.js';
import { MODES_WITHOUT_SETTINGS } from '../faults/modes/index.js';
import { RESULT_COLOR, RESULT_TEXT } from '../report/charts.js';
import { inlineSvg } from '../report/diagram.js';
import { escapeHtml as esc } from '../report/escape.js';


/**
 * The dashboard's one page: the diagram, coloured by each component's state; a live timeline of the
 * probe's requests; buttons to break, heal and run scenarios; the lab's questions. Plain HTML, CSS and
 * a script written here: nothing is built or fetched from elsewhere.
 */
export function dashboardPage(lab: Lab, token: string, diagramSvg: string): string {
  const rows = lab.components
    .map(
      (c) => `<tr data-component="${esc(c.name)}"><td><b>${esc(c.name)}</b></td><td class="state" id="state-${esc(c.name)}">…</td>
<td><select id="mode-${esc(c.name)}">${MODES_WITHOUT_SETTINGS.map((m) => `<option>${m}</option>`).join('')}</select>
<button id="break-${esc(c.name)}" data-action="break" data-component="${esc(c.name)}">break</button>
<button id="heal-${esc(c.name)}" data-action="heal" data-component="${esc(c.name)}">heal</button></td></tr>`,
    )
    .join('');
  const scenarios = lab.scenarios
    .map((s) => `<li><button id="run-${esc(s.name)}" data-scenario="${esc(s.name)}">run</button> <b>${esc(s.name)}</b>: ${esc(s.title)}<div class="result" id="result-${esc(s.name)}"></div></li>`)
    .join('');
  const legend = Object.entries(RESULT_TEXT)
    .map(([k, t]) => `<span style="--c:${RESULT_COLOR[k as keyof typeof RESULT_COLOR]}">${t}</span>`)
    .join('');
  return `<!DOCTYPE html>
<!-- The infra-lab dashboard of ${esc(lab.name)}. -->
<html lang="en"><head><meta charset="utf-8"><title>infra-lab: ${esc(lab.name)}</title>
<style>
body { font-family: Verdana, "DejaVu Sans", sans-serif; margin: 0; color: #212121; font-size: 13px; }
header { background: #263238; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: baseline; }
header h1 { font-size: 17px; margin: 0; } #summary { font-size: 13px; color: #cfd8dc; }
#banner { display: none; background: #b71c1c; color: #fff; padding: 8px 16px; font-weight: bold; } #banner.show { display: block; }
main { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(360px, 1fr); gap: 12px; padding: 12px 16px; }
h2 { font-size: 14px; margin: 12px 0 6px; border-bottom: 1px solid #e0e0e0; padding-bottom: 3px; }
#diagram svg { width: 100%; height: auto; max-height: 78vh; }
#diagram g.node.live-down path, #diagram g.node.live-down polygon { fill: #e53935; }
#diagram g.node.live-down text { fill: #ffffff; }
#diagram g.node.live-starting path, #diagram g.node.live-starting polygon, #diagram g.node.live-unhealthy path, #diagram g.node.live-unhealthy polygon { fill: #ffb300; }
#diagram g.node.live-up path, #diagram g.node.live-up polygon { fill: #c8e6c9; }
table { border-collapse: collapse; width: 100%; } td { padding: 3px 6px; border-bottom: 1px solid #eee; }
td.state.up { color: #2e7d32; } td.state.down { color: #c62828; font-weight: bold; } td.state.starting, td.state.unhealthy { color: #ef6c00; }
button { font: inherit; padding: 2px 8px; cursor: pointer; } button:disabled { cursor: wait; }
#timeline { width: 100%; height: 90px; display: block; background: #fafafa; border: 1px solid #e0e0e0; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 11px; margin: 4px 0; }
.legend span::before { content: ""; display: inline-block; width: 9px; height: 9px; margin-right: 4px; background: var(--c); }
#log { font-family: monospace; font-size: 11px; max-height: 120px; overflow: auto; background: #fafafa; border: 1px solid #eee; padding: 4px; white-space: pre-wrap; }
ul.scenarios { padding-left: 0; list-style: none; } ul.scenarios li { margin: 4px 0; } .result { margin-left: 44px; color: #37474f; }
.result.ok { color: #2e7d32; } .result.bad { color: #c62828; }
</style></head>
<body>
<header><h1>infra-lab: ${esc(lab.name)}</h1><span>${esc(lab.title)}</span><span id="summary"></span></header>
<div id="banner" role="alert"></div>
<main>
<section>
<h2>The lab, live</h2>
<div id="diagram">${inlineSvg(diagramSvg)}</div>
</section>
<section>
<h2>What users see (the last 30 s, one mark per request)</h2>
<svg id="timeline" viewBox="0 0 600 90" preserveAspectRatio="none"></svg>
<div class="legend">${legend}</div>
<div id="counts"></div>
<h2>Break and heal</h2>
<table>${rows}</table>
<div id="log"></div>
<h2>Scenarios</h2>
<ul class="scenarios">${scenarios}</ul>
<h2>Questions</h2>
<ol>${lab.questions.map((q) => `<li>${esc(q)}</li>`).join('')}</ol>
</section>
</main>
<script>
const TOKEN = ${JSON.stringify(token)};
const COLORS = ${JSON.stringify(RESULT_COLOR)};
const api = (path, body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-infra-lab-token': TOKEN }, body: JSON.stringify(body) })
  .then(async (r) => { const data = await r.json(); if (!r.ok) throw new Error(data.error || r.statusText); return data; });
const log = (text) => { const el = document.getElementById('log'); el.textContent += new Date().toLocaleTimeString() + '  ' + text + '\\n'; el.scrollTop = el.scrollHeight; };
const banner = (text) => { const b = document.getElementById('banner'); b.textContent = text; b.classList.toggle('show', !!text); };

// The probe's requests of the last 30 s.
const samples = [];
const WINDOW = 30000;
let skew = 0; // the engine's clock minus this browser's, from the newest sample
function drawTimeline() {
  const now = Date.now() + skew;
  while (samples.length && samples[0].t < now - WINDOW - 3000) samples.shift();
  const svg = document.getElementById('timeline');
  const x = (t) => ((t - (now - WINDOW)) / WINDOW) * 600;
  let out = '';
  for (const s of samples) {
    const result = s.ok ? 'ok' : (s.layer || 'http');
    const y = s.kind === 'write' ? 8 : 48;
    out += '<rect class="sample ' + (s.ok ? 'ok' : 'failed layer-' + result) + '" x="' + x(s.t).toFixed(1) + '" y="' + y + '" width="2" height="34" fill="' + COLORS[result] + '"><title>' + s.kind + ' ' + result + ' ' + s.ms + ' ms</title></rect>';
  }
  out += '<text x="2" y="20" font-size="9" fill="#607d8b">writes</text><text x="2" y="60" font-size="9" fill="#607d8b">reads</text>';
  svg.innerHTML = out;
  const last5 = samples.filter((s) => s.t > now - 5000);
  const failed = last5.filter((s) => !s.ok);
  const layers = {};
  for (const s of failed) layers[s.layer] = (layers[s.layer] || 0) + 1;
  document.getElementById('counts').textContent = 'last 5 s: ' + last5.length + ' requests, ' + failed.length + ' failed' + (failed.length ? ' (' + Object.entries(layers).map(([l, n]) => l + ' ' + n).join(', ') + ')' : '');
  document.getElementById('counts').dataset.failed = String(failed.length);
  document.getElementById('counts').dataset.layers = Object.keys(layers).join(',');
}
setInterval(drawTimeline, 250);

function showStates(states) {
  const down = states.filter((s) => s.state !== 'up').map((s) => s.component);
  document.getElementById('summary').textContent = down.length ? 'not ready: ' + down.join(', ') : 'every component is ready';
  for (const s of states) {
    const g = document.getElementById('c-' + s.component);
    if (g) {
      g.classList.remove('live-up', 'live-down', 'live-starting', 'live-unhealthy');
      g.classList.add('live-' + s.state);
      g.dataset.state = s.state;
    }
    const cell = document.getElementById('state-' + s.component);
    if (cell) { cell.textContent = s.summary + (s.broken ? ' (broken: ' + s.broken + ')' : ''); cell.className = 'state ' + s.state; }
  }
}

const events = new EventSource('/api/events?token=' + encodeURIComponent(TOKEN));
events.addEventListener('state', (e) => showStates(JSON.parse(e.data)));
events.addEventListener('history', (e) => { for (const s of JSON.parse(e.data)) samples.push(s); });
events.addEventListener('sample', (e) => { const s = JSON.parse(e.data); samples.push(s); skew = s.t + s.ms - Date.now(); });
events.addEventListener('notice', (e) => { const n = JSON.parse(e.data); banner(n.level === 'error' ? n.text : ''); });
events.addEventListener('progress', (e) => { const p = JSON.parse(e.data); log(p.scenario + ': ' + p.text); });
events.addEventListener('open', () => banner(''));
events.onerror = () => banner('lost the connection to infra-lab ui; is it still running? (the page reconnects by itself)');

document.addEventListener('click', async (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  b.disabled = true;
  try {
    if (b.dataset.action === 'break') {
      const mode = document.getElementById('mode-' + b.dataset.component).value;
      log(mode + ' ' + b.dataset.component + ' …');
      const r = await api('/api/break', { component: b.dataset.component, mode });
      log('broke ' + r.broke + ' (' + r.mode + ')');
    } else if (b.dataset.action === 'heal') {
      log('healing ' + b.dataset.component + ' …');
      const r = await api('/api/heal', { component: b.dataset.component });
      log('healed ' + (r.healed.map((h) => h.component).join(', ') || b.dataset.component) + ' in ' + (r.ms / 1000).toFixed(1) + ' s');
    } else if (b.dataset.scenario) {
      const out = document.getElementById('result-' + b.dataset.scenario);
      out.className = 'result'; out.textContent = 'running …';
      const r = await api('/api/scenario', { name: b.dataset.scenario });
      out.className = 'result ' + (r.verdict && !r.verdict.ok ? 'bad' : 'ok');
      out.innerHTML = '';
      out.append((r.verdict ? (r.verdict.ok ? 'as expected' : 'NOT as expected: ' + r.verdict.contradictions.join('; ')) : 'done') +
        ': ' + r.all.failed + ' of ' + r.all.sent + ' failed, longest outage ' + (r.all.longestMs / 1000).toFixed(1) + ' s ');
      const a = document.createElement('a'); a.href = r.report + '?token=' + encodeURIComponent(TOKEN); a.target = '_blank'; a.textContent = 'report';
      out.append(a);
    }
  } catch (err) {
    log('error: ' + err.message);
  } finally {
    b.disabled = false;
  }
});
</script>
</body></html>
`;
}
