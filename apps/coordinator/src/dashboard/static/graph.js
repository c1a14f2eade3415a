// Graph page: an attempt with its dependencies both ways, drawn as layers (dependencies on the
// left, dependents on the right) in SVG, from a GraphData in canonical JSON (docs/json.md). Text
// goes through textContent only.

import { ApiError, api, qs } from './api.js';
import { h, replace, svg } from './dom.js';

const NODE_W = 170;
const NODE_H = 40;
const GAP_X = 70;
const GAP_Y = 18;
const COLORS = /** @type {Record<string, string>} */ ({
  SCHEDULING: '#fff3c4',
  EXECUTING: '#cfe6ff',
  WAITING: '#e8e0ff',
  FINISHED: '#d5f5d5',
  ABNORMAL_FINISHED: '#f9d3d3',
});

/** @param {{quest: string, id: number}} id */
const keyOf = (id) => `${id.quest}/${id.id}`;

/** @param {import('./app.js').PageContext} ctx */
export function graphPage({ root, show, params }) {
  const questInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'quest', size: 46, placeholder: 'quest id', value: params[0] ?? '' })
  );
  const attemptInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'attempt', size: 4, value: params[1] ?? '1' })
  );
  const depthInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'depth', size: 3, value: '4' })
  );
  const drawing = h('div', { class: 'graph', id: 'graph' });
  const details = h('div', { id: 'graph-details' });
  root.append(
    h('h2', {}, 'Graph'),
    h(
      'form',
      {
        class: 'filters',
        onsubmit: (/** @type {Event} */ ev) => {
          ev.preventDefault();
          location.hash = `#/graph/${encodeURIComponent(questInput.value.trim())}/${attemptInput.value.trim()}`;
        },
      },
      h('label', {}, 'Quest ', questInput),
      h('label', {}, 'Attempt ', attemptInput),
      h('label', {}, 'Depth ', depthInput),
      h('button', { type: 'submit' }, 'Show'),
      h('button', { type: 'button', onclick: () => void load() }, 'Refresh'),
    ),
    drawing,
    details,
  );

  async function load() {
    if (questInput.value.trim() === '') return;
    let data;
    try {
      data = await api(
        `/api/graph${qs([
          ['quest', questInput.value.trim()],
          ['attempt', attemptInput.value.trim()],
          ['depth', depthInput.value.trim()],
        ])}`,
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        show(String(/** @type {any} */ (err).message ?? err));
      return;
    }
    draw(data);
  }

  /** @param {any} data */
  function draw(data) {
    /** @type {Map<string, any>} */
    const nodes = new Map();
    for (const q of Object.values(data.quests ?? {})) {
      for (const a of Object.values(/** @type {any} */ (q).attempts ?? {}))
        nodes.set(keyOf(a.id), a);
    }
    /** @type {Map<string, number>} */
    const layer = new Map();
    /** @param {string} k @param {Set<string>} path @returns {number} */
    const layerOf = (k, path) => {
      const known = layer.get(k);
      if (known !== undefined) return known;
      if (path.has(k)) return 0;
      path.add(k);
      let l = 0;
      for (const d of nodes.get(k)?.fwd_deps ?? []) {
        if (nodes.has(keyOf(d))) l = Math.max(l, layerOf(keyOf(d), path) + 1);
      }
      path.delete(k);
      layer.set(k, l);
      return l;
    };
    /** @type {string[][]} */
    const columns = [];
    for (const k of [...nodes.keys()].sort()) {
      const l = layerOf(k, new Set());
      (columns[l] ??= []).push(k);
    }
    /** @type {Map<string, {x: number, y: number}>} */
    const pos = new Map();
    columns.forEach((col, l) =>
      col.forEach((k, i) =>
        pos.set(k, { x: 10 + l * (NODE_W + GAP_X), y: 10 + i * (NODE_H + GAP_Y) }),
      ),
    );
    const width = 20 + Math.max(1, columns.length) * (NODE_W + GAP_X);
    const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (NODE_H + GAP_Y);
    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}` });
    const marker = svg('marker', {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 10,
      refY: 5,
      markerWidth: 6,
      markerHeight: 6,
      orient: 'auto',
    });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#889' }));
    const defs = svg('defs');
    defs.append(marker);
    root.append(defs);
    for (const [k, a] of nodes) {
      const from = pos.get(k);
      for (const d of a.fwd_deps ?? []) {
        const to = pos.get(keyOf(d));
        if (!from || !to) continue;
        // The dependent points at what it depends on.
        root.append(
          svg('line', {
            x1: from.x,
            y1: from.y + NODE_H / 2,
            x2: to.x + NODE_W,
            y2: to.y + NODE_H / 2,
            stroke: '#889',
            'marker-end': 'url(#arrow)',
          }),
        );
      }
    }
    for (const [k, a] of nodes) {
      const p = pos.get(k);
      if (!p) continue;
      const state = a.data?.state ?? '?';
      const g = svg('g', { class: 'node', 'data-attempt': k });
      g.append(
        svg('rect', {
          x: p.x,
          y: p.y,
          width: NODE_W,
          height: NODE_H,
          rx: 5,
          fill: COLORS[state] ?? '#eee',
          stroke: '#667',
        }),
      );
      const line1 = svg('text', { x: p.x + 6, y: p.y + 16 });
      line1.textContent = `${a.id.quest.slice(0, 10)}…/${a.id.id}`;
      const line2 = svg('text', { x: p.x + 6, y: p.y + 32 });
      line2.textContent = state;
      g.append(line1, line2);
      g.addEventListener('click', () => showDetails(a));
      root.append(g);
    }
    replace(
      drawing,
      root,
      data.had_more
        ? h('p', { class: 'muted' }, 'More attempts exist beyond this depth or size.')
        : '',
    );
  }

  /** @param {any} a */
  function showDetails(a) {
    const execs = Object.values(a.executions ?? {});
    replace(
      details,
      h('h3', {}, `Attempt ${a.id.quest}/${a.id.id}`),
      h(
        'p',
        {},
        `state ${a.data?.state ?? '?'}, ${a.data?.num_executions ?? 0} executions, waiting on ${a.data?.num_waiting_deps ?? 0}`,
      ),
      h(
        'ul',
        {},
        ...execs.map((/** @type {any} */ e) =>
          h(
            'li',
            {},
            `execution ${e.id.id}: ${e.data?.state ?? ''} `,
            e.data?.task_id
              ? h('a', { href: `#/task/${encodeURIComponent(e.data.task_id)}` }, 'task')
              : '',
          ),
        ),
      ),
    );
  }

  void load();
  return () => {};
}
