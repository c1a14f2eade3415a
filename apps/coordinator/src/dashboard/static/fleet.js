// Fleet page (#/fleet, #/fleet/day): per pool, pending tasks, busy/idle/dead bots and throughput
// (tasks started and ended per minute) over the last hour or day, from /api/fleet/history (the
// coordinator samples what /metrics shows and keeps the samples in its store). Plain SVG charts,
// times in UTC or local time as the header's toggle says.

import { api, qs } from './api.js';
import { h, replace, svg, timeZoneMode, tsMs } from './dom.js';

const W = 620;
const H = 190;
const M = { left: 58, right: 12, top: 24, bottom: 34 };
/** The page reads the history again this often at most (sooner when samples come sooner). */
const REFRESH_MS = 10_000;
const RANGES = /** @type {const} */ (['hour', 'day']);

const COLORS = {
  pending: '#b7791f',
  busy: '#2b6cb0',
  idle: '#2f855a',
  dead: '#c53030',
  started: '#2b6cb0',
  ended: '#6b46c1',
};

const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');

/**
 * How far the axis's clock is ahead of UTC at `ms`: 0 in UTC, the browser's offset in local time
 * (the header's toggle, dom.js timeZoneMode).
 * @param {number} ms
 */
function clockOffsetMs(ms) {
  return timeZoneMode() === 'local' ? -new Date(ms).getTimezoneOffset() * 60_000 : 0;
}

/** "14:05" or "14:05:30" on the axis's clock. @param {number} ms @param {boolean} seconds */
function clockText(ms, seconds) {
  const d = new Date(ms + clockOffsetMs(ms));
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

/** The axis's title: "time (UTC)" or "time (local, UTC+01:00)". @param {number} ms */
export function clockTitle(ms) {
  if (timeZoneMode() !== 'local') return 'time (UTC)';
  const off = clockOffsetMs(ms) / 60_000;
  const sign = off < 0 ? '-' : '+';
  return `time (local, UTC${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)})`;
}

/** A round step for about `n` ticks over `span`. @param {number} span @param {number} n */
function niceStep(span, n) {
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * A line chart: time on x (UTC or local), counts on y from 0, a legend; each line carries its values in
 * `data-values` (tests read them).
 * @param {{ name: string, title: string, unit: string, fromMs: number, toMs: number,
 *   times: number[], series: Array<{ label: string, color: string, values: number[] }> }} c
 */
export function lineChart(c) {
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const max = Math.max(1, ...c.series.flatMap((s) => s.values));
  const yStep = Math.max(1, niceStep(max, 4));
  const yMax = Math.ceil(max / yStep) * yStep;
  const span = Math.max(1, c.toMs - c.fromMs);
  const x = (/** @type {number} */ t) => M.left + ((t - c.fromMs) / span) * iw;
  const y = (/** @type {number} */ v) => M.top + ih - (v / yMax) * ih;
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    class: 'chart',
    role: 'img',
    'aria-label': c.title,
    'data-chart': c.name,
  });
  // y grid and labels
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    root.append(svg('line', { x1: M.left, x2: M.left + iw, y1: y(v), y2: y(v), class: 'grid' }));
    const t = svg('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' });
    t.textContent = String(Math.round(v * 100) / 100);
    root.append(t);
  }
  // x ticks: whole seconds, minutes or hours on the axis's clock (UTC or local)
  const minute = 60_000;
  // In seconds: 1 s to 6 h.
  const secs = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  const steps = secs.map((s) => s * 1000);
  const xStep = steps.find((s) => span / s <= 7) ?? 6 * 3_600_000;
  const off = clockOffsetMs(c.toMs);
  for (let t = Math.ceil((c.fromMs + off) / xStep) * xStep - off; t <= c.toMs; t += xStep) {
    root.append(
      svg('line', { x1: x(t), x2: x(t), y1: M.top + ih, y2: M.top + ih + 4, class: 'axis' }),
    );
    const label = svg('text', {
      x: x(t),
      y: M.top + ih + 16,
      'text-anchor': 'middle',
      class: 'tick',
    });
    label.textContent = clockText(t, xStep < minute);
    root.append(label);
  }
  root.append(
    svg('line', { x1: M.left, x2: M.left + iw, y1: M.top + ih, y2: M.top + ih, class: 'axis' }),
  );
  root.append(svg('line', { x1: M.left, x2: M.left, y1: M.top, y2: M.top + ih, class: 'axis' }));
  const xTitle = svg('text', {
    x: M.left + iw / 2,
    y: H - 4,
    'text-anchor': 'middle',
    class: 'axis-title',
  });
  xTitle.textContent = clockTitle(c.toMs);
  root.append(xTitle);
  const yTitle = svg('text', {
    x: 12,
    y: M.top + ih / 2,
    'text-anchor': 'middle',
    transform: `rotate(-90 12 ${M.top + ih / 2})`,
    class: 'axis-title',
  });
  yTitle.textContent = c.unit;
  root.append(yTitle);
  // lines, then the legend at the top right
  c.series.forEach((s, i) => {
    const points = s.values.map((v, j) => `${x(c.times[j] ?? 0).toFixed(1)},${y(v).toFixed(1)}`);
    root.append(
      svg('polyline', {
        points: points.join(' '),
        fill: 'none',
        stroke: s.color,
        'stroke-width': 2,
        'data-series': s.label,
        'data-values': s.values.join(','),
      }),
    );
    // A lone sample (a young day range) is a dot: a line needs two points.
    if (s.values.length === 1) {
      root.append(
        svg('circle', {
          cx: x(c.times[0] ?? 0).toFixed(1),
          cy: y(s.values[0] ?? 0).toFixed(1),
          r: 3,
          fill: s.color,
        }),
      );
    }
    const lx = M.left + iw - (c.series.length - i) * 116;
    root.append(svg('rect', { x: lx, y: 6, width: 10, height: 10, fill: s.color }));
    const lt = svg('text', { x: lx + 14, y: 15, class: 'legend' });
    lt.textContent = `${s.label} ${s.values.at(-1) ?? ''}`;
    root.append(lt);
  });
  return h('figure', { class: 'chart' }, h('figcaption', {}, c.title), root);
}

/** @param {import('./app.js').PageContext} ctx */
export function fleetPage({ root, show, params }) {
  const range = RANGES.includes(/** @type {any} */ (params[0])) ? params[0] : 'hour';
  const body = h('div', { id: 'fleet' });
  const note = h('p', { class: 'hint' });
  root.append(
    h(
      'div',
      { class: 'filters' },
      h('span', {}, 'Range: '),
      ...RANGES.map((r) =>
        h('a', { href: `#/fleet/${r}`, class: r === range ? 'active' : '' }, `last ${r}`),
      ),
    ),
    note,
    body,
  );
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let stopped = false;

  async function load() {
    let refreshMs = REFRESH_MS;
    try {
      const data = await api(`/api/fleet/history${qs([['range', String(range)]])}`);
      if (stopped) return;
      refreshMs = Math.min(REFRESH_MS, Math.max(1000, data.step_seconds * 1000));
      draw(data);
      show('');
    } catch (err) {
      if (!stopped) show(String(err instanceof Error ? err.message : err));
    }
    if (!stopped) timer = setTimeout(() => void load(), refreshMs);
  }

  /** @param {any} data */
  function draw(data) {
    const nowMs = tsMs(data.now_ts) ?? Date.now();
    const samples = /** @type {any[]} */ (data.samples);
    // The range, or less while the history is younger (it starts empty when the coordinator does).
    const firstMs = tsMs(samples[0]?.ts) ?? nowMs;
    const fromMs = Math.max(
      nowMs - (range === 'day' ? 86_400_000 : 3_600_000),
      firstMs - data.step_seconds * 1000,
    );
    note.textContent =
      `One sample every ${data.step_seconds} s; ${samples.length} so far ` +
      '(kept in the store: a coordinator restart keeps them). ' +
      `Times in ${timeZoneMode() === 'local' ? 'local time' : 'UTC'}.`;
    const pools = [
      ...new Set(samples.flatMap((s) => s.pools.map((/** @type {any} */ p) => p.pool))),
    ].sort();
    if (pools.length === 0) {
      replace(body, h('p', {}, 'No samples yet.'));
      return;
    }
    const times = samples.map((s) => tsMs(s.ts) ?? 0);
    const sections = pools.map((pool) => {
      /** @param {string} key */
      const values = (key) =>
        samples.map((s) => s.pools.find((/** @type {any} */ p) => p.pool === pool)?.[key] ?? 0);
      const common = { fromMs, toMs: nowMs, times };
      return h(
        'section',
        { class: 'pool', 'data-pool': pool },
        h('h3', {}, `Pool ${pool}`),
        h(
          'div',
          { class: 'charts' },
          lineChart({
            ...common,
            name: 'pending',
            title: 'Pending tasks',
            unit: 'tasks',
            series: [{ label: 'pending', color: COLORS.pending, values: values('pending') }],
          }),
          lineChart({
            ...common,
            name: 'bots',
            title: 'Bots',
            unit: 'bots',
            series: [
              { label: 'busy', color: COLORS.busy, values: values('busy') },
              { label: 'idle', color: COLORS.idle, values: values('idle') },
              { label: 'dead', color: COLORS.dead, values: values('dead') },
            ],
          }),
          lineChart({
            ...common,
            name: 'throughput',
            title: 'Throughput (tasks per minute)',
            unit: 'tasks/min',
            series: [
              { label: 'started', color: COLORS.started, values: values('started_per_min') },
              { label: 'ended', color: COLORS.ended, values: values('ended_per_min') },
            ],
          }),
        ),
      );
    });
    replace(body, ...sections);
  }

  void load();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
