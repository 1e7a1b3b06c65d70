import type { FailureLayer } from '../lab/model.js';
import type { Sample } from '../measure/sample.js';
import type { Outage } from '../measure/downtime.js';
import { escapeHtml as esc } from './escape.js';

/**
 * Charts as inline SVG text, pure: a page that holds them needs no script and no network.
 * Times are in ms relative to a chosen zero (the fault).
 */

export const RESULT_COLOR: Record<'ok' | FailureLayer, string> = {
  ok: '#43a047',
  dns: '#8e24aa',
  connect: '#fb8c00',
  timeout: '#546e7a',
  http: '#e53935',
  database: '#6d4c41',
};

export const RESULT_TEXT: Record<'ok' | FailureLayer, string> = {
  ok: 'succeeded',
  dns: 'DNS failed',
  connect: 'connection refused',
  timeout: 'timed out',
  http: 'HTTP 5xx',
  database: 'database error',
};

export interface ChartEvent {
  ms: number;
  text: string;
  /** Events of the component that was acted on stand out. */
  strong?: boolean;
}

const W = 1200;
const LEFT = 70;
const RIGHT = 20;
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;

/** A time axis from `from` to `to` (ms): the x of a moment, and tick marks every second or more. */
function timeAxis(from: number, to: number) {
  const span = Math.max(1, to - from);
  const x = (ms: number) => LEFT + ((ms - from) / span) * (W - LEFT - RIGHT);
  const step = [1000, 2000, 5000, 10_000, 30_000, 60_000].find((s) => span / s <= 16) ?? 120_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return { x, ticks };
}

function axisLines(axis: ReturnType<typeof timeAxis>, top: number, bottom: number): string {
  return axis.ticks
    .map(
      (t) =>
        `<line x1="${axis.x(t).toFixed(1)}" y1="${top}" x2="${axis.x(t).toFixed(1)}" y2="${bottom}" stroke="#eeeeee"/>` +
        `<text x="${axis.x(t).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" class="tick">${t > 0 ? '+' : ''}${seconds(t)}</text>`,
    )
    .join('');
}

export interface TimelineInput {
  samples: Sample[];
  /** The moment shown as 0 (the fault), ms since 1970. */
  zero: number;
  from: number;
  to: number;
  outages: Outage[];
  events: ChartEvent[];
  /** Vertical markers of infra-lab's own actions (fault, heal). */
  marks: ChartEvent[];
}

/**
 * Every probe request as a tick in its lane (writes, reads) at the moment it was sent, coloured by its
 * result; outages shaded with their length; the engine's events and infra-lab's actions as markers.
 */
export function timelineChart(input: TimelineInput): string {
  const axis = timeAxis(input.from - input.zero, input.to - input.zero);
  const lanes = [
    { kind: 'write', label: 'writes', y: 40 },
    { kind: 'read', label: 'reads', y: 78 },
  ] as const;
  const laneH = 30;
  const eventsTop = 136;
  const rows = 4;
  const height = eventsTop + rows * 14 + 34;
  const parts: string[] = [];
  parts.push(axisLines(axis, 28, eventsTop - 22));
  for (const o of input.outages) {
    const x1 = axis.x(o.start - input.zero);
    const x2 = axis.x((o.end ?? o.start + o.ms) - input.zero);
    parts.push(
      `<rect class="outage" x="${x1.toFixed(1)}" y="26" width="${Math.max(2, x2 - x1).toFixed(1)}" height="${eventsTop - 48}" fill="#ffcdd2" opacity="0.6"><title>outage of ${seconds(o.ms)}: ${o.failed} requests failed</title></rect>`,
      `<text class="outage-label" x="${((x1 + x2) / 2).toFixed(1)}" y="20" text-anchor="middle">outage ${seconds(Math.round(o.ms))}${o.end === undefined ? ' (still open)' : ''}</text>`,
    );
  }
  for (const lane of lanes) {
    parts.push(`<text x="${LEFT - 8}" y="${lane.y + laneH / 2 + 4}" text-anchor="end" class="lane">${lane.label}</text>`);
    for (const s of input.samples.filter((x) => x.kind === lane.kind)) {
      const result = s.ok ? 'ok' : (s.layer ?? 'http');
      parts.push(
        `<rect class="sample ${s.ok ? 'ok' : `failed layer-${result}`}" x="${axis.x(s.t - input.zero).toFixed(1)}" y="${lane.y}" width="2.5" height="${laneH}" fill="${RESULT_COLOR[result]}"/>`,
      );
    }
  }
  for (const m of input.marks) {
    const x = axis.x(m.ms).toFixed(1);
    parts.push(`<line class="mark" x1="${x}" y1="26" x2="${x}" y2="${height - 30}" stroke="#000" stroke-width="1.5"/><text x="${x}" y="${height - 18}" text-anchor="middle" class="mark-label">${esc(m.text)}</text>`);
  }
  // Event labels go in rows so that events close in time do not write over each other.
  const lastEnd = Array.from({ length: rows }, () => -Infinity);
  for (const e of input.events) {
    const x = axis.x(e.ms);
    const width = e.text.length * 6.2 + 8;
    let row = lastEnd.findIndex((end) => end < x);
    if (row < 0) row = lastEnd.indexOf(Math.min(...lastEnd));
    lastEnd[row] = x + width;
    const y = eventsTop + row * 14 + 10;
    parts.push(
      `<g class="event${e.strong ? ' strong' : ''}"><line x1="${x.toFixed(1)}" y1="26" x2="${x.toFixed(1)}" y2="${y - 8}" stroke="${e.strong ? '#263238' : '#b0bec5'}" stroke-dasharray="3,2"/>` +
        `<circle cx="${x.toFixed(1)}" cy="${y - 4}" r="3" fill="${e.strong ? '#263238' : '#90a4ae'}"/><text x="${(x + 5).toFixed(1)}" y="${y}" class="event-label">${esc(e.text)}</text></g>`,
    );
  }
  return svg(height, parts.join(''), 'timeline');
}

export interface SeriesPoint {
  ms: number;
  value: number;
}

/** Points over time (latency of each successful request, requests per second) on a linear scale from 0. */
export function seriesChart(series: { name: string; color: string; points: SeriesPoint[]; line?: boolean }[], options: { from: number; to: number; unit: string; marks?: ChartEvent[] }): string {
  const height = 200;
  const top = 16;
  const bottom = height - 30;
  const axis = timeAxis(options.from, options.to);
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.value))));
  const y = (v: number) => bottom - (v / max) * (bottom - top);
  const parts = [axisLines(axis, top, bottom)];
  for (const v of [0, max / 2, max])
    parts.push(`<line x1="${LEFT}" y1="${y(v)}" x2="${W - RIGHT}" y2="${y(v)}" stroke="#eeeeee"/><text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${formatValue(v)} ${esc(options.unit)}</text>`);
  for (const m of options.marks ?? []) parts.push(`<line class="mark" x1="${axis.x(m.ms).toFixed(1)}" y1="${top}" x2="${axis.x(m.ms).toFixed(1)}" y2="${bottom}" stroke="#000" stroke-width="1"/>`);
  for (const s of series) {
    if (s.line && s.points.length > 1)
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map((p) => `${axis.x(p.ms).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}"/>`);
    for (const p of s.points) parts.push(`<circle class="point" cx="${axis.x(p.ms).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="${s.line ? 3 : 2}" fill="${s.color}"/>`);
  }
  return svg(height, parts.join(''), 'series');
}

const niceMax = (v: number) => {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v)!;
};
const formatValue = (v: number) => (v >= 100 ? Math.round(v).toString() : Number(v.toPrecision(2)).toString());

function svg(height: number, body: string, kind: string): string {
  return `<svg class="chart ${kind}" viewBox="0 0 ${W} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg" role="img">${body}</svg>`;
}
