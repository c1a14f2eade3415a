// Graph page, three views (canonical JSON of docs/json.md throughout; text goes through
// textContent only):
// - #/graph: the pipeline runs (ListRunsResponse), newest first, a name glob filter and paging,
//   and a form to paste a quest id and attempt;
// - #/graph/run/<id or name>: a run's tree (Run, and GraphData of its steps' attempts for their
//   executions): steps as nodes, their needs as edges, dependencies on the left;
// - #/graph/<quest>/<n>: an attempt with its dependencies both ways (GraphData), drawn in layers.
// Nodes show the quest's display name (its desc's `name`), else the start of its id.

import { ApiError, api, qs } from './api.js';
import { h, replace, stateBadge, svg, tsMs, when, pageButtons } from './dom.js';

const NODE_W = 190;
const NODE_H = 40;
const RUN_NODE_H = 54;
const GAP_X = 70;
const GAP_Y = 18;
const RUNS_PAGE = 50;
/** How often a run's tree is read again while some step is not final. */
const RUN_POLL_MS = 3000;
/** How often the list of runs is read again (its first page, or while a run shown runs). */
const RUNS_POLL_MS = 5000;
const COLORS = /** @type {Record<string, string>} */ ({
  SCHEDULING: '#fff3c4',
  EXECUTING: '#cfe6ff',
  WAITING: '#e8e0ff',
  FINISHED: '#d5f5d5',
  ABNORMAL_FINISHED: '#f9d3d3',
});

/** @param {{quest: string, id: number}} id */
const keyOf = (id) => `${id.quest}/${id.id}`;

/** The start of a quest id, as nodes show a quest without a name. @param {string} quest */
const shortQuest = (quest) => `${quest.slice(0, 10)}…`;

/** At most `n` characters (SVG text does not wrap). @param {string} s @param {number} n */
const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A quest's display name in GraphData ('' when it has none or its data was not loaded). @param {any} data @param {string} quest */
function questName(data, quest) {
  return data?.quests?.[quest]?.data?.desc?.name ?? '';
}

/**
 * A run's steps in short: how many finished, how many ended abnormally, and its state (running
 * while some step is not final; then finished, or failed when some step ended abnormally).
 * @param {any} run
 */
export function runSummary(run) {
  const steps = /** @type {any[]} */ (run.steps ?? []);
  const finished = steps.filter((s) => s.state === 'FINISHED').length;
  const failed = steps.filter((s) => s.state === 'ABNORMAL_FINISHED').length;
  const state = finished + failed < steps.length ? 'running' : failed > 0 ? 'failed' : 'finished';
  return { finished, failed, total: steps.length, state };
}

/** @param {import('./app.js').PageContext} ctx */
export function graphPage(ctx) {
  const [first, second] = ctx.params;
  if (first === 'run' && second !== undefined && second !== '') return runView(ctx, second);
  if (first !== undefined && first !== '') return attemptView(ctx, first, second ?? '1');
  return runsView(ctx);
}

/** @param {unknown} err @param {(m: string) => void} show */
function report(err, show) {
  if (!(err instanceof ApiError && err.status === 401))
    show(String(/** @type {any} */ (err).message ?? err));
}

/**
 * The form that opens an attempt's graph by quest id; `onSame` runs when it names the attempt
 * already shown (the hash does not change).
 * @param {string} quest @param {string} attempt @param {Node[]} [extra] @param {() => void} [onSame]
 */
function attemptForm(quest, attempt, extra = [], onSame = () => {}) {
  const questInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'quest', size: 46, placeholder: 'quest id', value: quest })
  );
  const attemptInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'attempt', size: 4, value: attempt })
  );
  return h(
    'form',
    {
      class: 'filters',
      id: 'attempt-form',
      onsubmit: (/** @type {Event} */ ev) => {
        ev.preventDefault();
        const q = questInput.value.trim();
        if (q === '') return;
        const hash = `#/graph/${encodeURIComponent(q)}/${encodeURIComponent(attemptInput.value.trim() || '1')}`;
        if (hash === location.hash) onSame();
        else location.hash = hash;
      },
    },
    h('label', {}, 'Quest ', questInput),
    h('label', {}, 'Attempt ', attemptInput),
    ...extra,
    h('button', { type: 'submit' }, 'Show'),
  );
}

/** #/graph: the runs, newest first. @param {import('./app.js').PageContext} ctx */
function runsView({ root, show }) {
  const state = { name: '', cursors: [''], page: 0 };
  const nameInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'name', placeholder: 'name glob (* and ?)', size: 24 })
  );
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  root.append(
    h('h2', {}, 'Graph'),
    h('h3', {}, 'Pipeline runs'),
    h(
      'form',
      {
        class: 'filters',
        id: 'runs-filter',
        onsubmit: (/** @type {Event} */ ev) => {
          ev.preventDefault();
          state.name = nameInput.value.trim();
          state.cursors = [''];
          state.page = 0;
          void load();
        },
      },
      h('label', {}, 'Name ', nameInput),
      h('button', { type: 'submit' }, 'Filter'),
      h('button', { type: 'button', onclick: () => void load() }, 'Refresh'),
    ),
    pager,
    h(
      'table',
      { id: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'State', 'Steps', 'Created', 'User', 'Pools', 'Id'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      tbody,
    ),
    h('h3', {}, 'Recent quests'),
    recentQuests(show),
    h('h3', {}, 'An attempt by quest id'),
    attemptForm('', '1'),
  );

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let closed = false;
  /** The latest load: an older answer arriving late (another filter or page) is dropped. */
  let seq = 0;

  async function load() {
    clearTimeout(timer);
    const mine = ++seq;
    let page;
    try {
      page = await api(
        `/api/graph/runs${qs([
          ['name', state.name],
          ['cursor', state.cursors[state.page] ?? ''],
          ['limit', RUNS_PAGE],
        ])}`,
      );
    } catch (err) {
      if (!closed && mine === seq) report(err, show);
      return;
    }
    if (closed || mine !== seq) return;
    const runs = /** @type {any[]} */ (page.runs);
    // Read again while it may change: the first page (new runs) or a run still running.
    if (state.page === 0 || runs.some((r) => runSummary(r).state === 'running')) {
      timer = setTimeout(() => void load(), RUNS_POLL_MS);
    }
    tbody.replaceChildren(
      ...runs.map(row),
      ...(runs.length === 0
        ? [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No runs.'))]
        : []),
    );
    state.cursors[state.page + 1] = page.cursor;
    pageButtons(pager, state, page.cursor, load, `page ${state.page + 1}`, ['Newer', 'Older']);
  }

  /** @param {any} run */
  function row(run) {
    const s = runSummary(run);
    return h(
      'tr',
      { dataset: { run: run.id } },
      h('td', {}, h('a', { href: `#/graph/run/${encodeURIComponent(run.id)}` }, run.name)),
      h('td', {}, h('span', { class: `badge r-${s.state}`, 'data-state': s.state }, s.state)),
      h('td', {}, `${s.finished}/${s.total}${s.failed > 0 ? ` (${s.failed} failed)` : ''}`),
      h('td', {}, when(tsMs(run.created))),
      h('td', {}, run.user),
      h('td', {}, run.pools.join(' ')),
      h('td', { class: 'dims' }, run.id),
    );
  }

  void load();
  return () => {
    closed = true;
    clearTimeout(timer);
  };
}

/**
 * The newest quests the caller may view (`/api/graph/quests`), searched by label, name or id;
 * each row its label and its attempts (n: state) linking to their views.
 * @param {(m: string) => void} show
 */
function recentQuests(show) {
  const search = /** @type {HTMLInputElement} */ (
    h('input', { name: 'q', type: 'search', placeholder: 'label, name or id', size: 24 })
  );
  const tbody = h('tbody');
  let seq = 0;
  async function load() {
    const mine = ++seq;
    let answer;
    try {
      answer = await api(`/api/graph/quests${qs([['q', search.value.trim()]])}`);
    } catch (err) {
      if (mine === seq) report(err, show);
      return;
    }
    if (mine !== seq) return;
    const quests = /** @type {any[]} */ (answer.quests);
    tbody.replaceChildren(
      ...quests.map((q) =>
        h(
          'tr',
          { dataset: { quest: q.id } },
          h('td', { title: q.id }, q.label),
          h(
            'td',
            {},
            ...q.attempts.flatMap((/** @type {any} */ a) => [
              h(
                'a',
                { href: `#/graph/${encodeURIComponent(q.id)}/${a.attempt}` },
                `${a.attempt}: ${a.state}`,
              ),
              ' ',
            ]),
          ),
          h('td', {}, when(Date.parse(q.created))),
        ),
      ),
      ...(quests.length === 0
        ? [h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No quests.'))]
        : []),
    );
  }
  void load();
  return h(
    'div',
    {},
    h(
      'form',
      {
        class: 'filters',
        id: 'quests-filter',
        onsubmit: (/** @type {Event} */ ev) => {
          ev.preventDefault();
          void load();
        },
      },
      h('label', {}, 'Search ', search),
      h('button', { type: 'submit' }, 'Search'),
    ),
    h(
      'table',
      { id: 'quests' },
      h('thead', {}, h('tr', {}, ...['Quest', 'Attempts', 'Created'].map((t) => h('th', {}, t)))),
      tbody,
    ),
  );
}

/** #/graph/run/<ref>: a run's tree. @param {import('./app.js').PageContext} ctx @param {string} ref */
function runView({ root, show }, ref) {
  const title = h('h2', {}, `Run ${ref}`);
  const fields = h('dl', { class: 'fields', id: 'run-fields' });
  const drawing = h('div', { class: 'graph', id: 'graph' });
  const table = h('div', {});
  const details = h('div', { id: 'graph-details' });
  root.append(
    h('p', {}, h('a', { href: '#/graph' }, '← all runs')),
    title,
    fields,
    h('p', {}, h('button', { type: 'button', onclick: () => void load() }, 'Refresh')),
    drawing,
    table,
    details,
  );
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let closed = false;
  /** The step whose details are open (kept across refreshes). */
  let selected = '';
  /** The latest load: an older answer arriving late is dropped (one poll at a time). */
  let seq = 0;

  async function load() {
    clearTimeout(timer);
    const mine = ++seq;
    let run;
    let data;
    try {
      run = await api(`/api/graph/runs/${encodeURIComponent(ref)}`);
      data = await api(`/api/graph${qs([['run', run.id]])}`);
    } catch (err) {
      if (!closed && mine === seq) report(err, show);
      return;
    }
    if (closed || mine !== seq) return;
    draw(run, data);
    const s = runSummary(run);
    if (s.state === 'running') timer = setTimeout(() => void load(), RUN_POLL_MS);
  }

  /** @param {any} run @param {any} data */
  function draw(run, data) {
    const s = runSummary(run);
    replace(
      title,
      `Run ${run.name} `,
      h('span', { class: `badge r-${s.state}`, 'data-state': s.state }, s.state),
    );
    replace(
      fields,
      ...[
        ['id', run.id],
        ['created', when(tsMs(run.created))],
        ['user', run.user],
        ['pools', run.pools.join(' ')],
        ['steps', `${s.finished}/${s.total} finished${s.failed > 0 ? `, ${s.failed} failed` : ''}`],
      ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
    const steps = /** @type {any[]} */ (run.steps);
    /** @param {any} step */
    const attemptOf = (step) =>
      data.quests?.[step.attempt.quest]?.attempts?.[String(step.attempt.id)];
    const byName = new Map(steps.map((st) => [st.name, st]));
    /** @type {Map<string, number>} */
    const layer = new Map();
    /** @param {string} name @param {Set<string>} path @returns {number} */
    const layerOf = (name, path) => {
      const known = layer.get(name);
      if (known !== undefined) return known;
      if (path.has(name)) return 0;
      path.add(name);
      let l = 0;
      for (const n of byName.get(name)?.needs ?? []) {
        if (byName.has(n)) l = Math.max(l, layerOf(n, path) + 1);
      }
      path.delete(name);
      layer.set(name, l);
      return l;
    };
    const nodes = steps.map((st) => ({
      key: st.name,
      deps: /** @type {string[]} */ (st.needs),
      state: st.state,
      lines: [
        st.name,
        `${st.state}`,
        `attempt ${st.attempt.id} · ${Object.keys(attemptOf(st)?.executions ?? {}).length} exec`,
      ],
      attrs: { 'data-step': st.name },
      onclick: () => {
        selected = st.name;
        showStep(st, attemptOf(st), data);
      },
    }));
    replace(
      drawing,
      layered(nodes, (k) => layerOf(k, new Set()), RUN_NODE_H),
      data.had_more && data.had_errors
        ? h('p', { class: 'muted' }, 'Some attempts could not be read.')
        : '',
    );
    replace(
      table,
      h(
        'table',
        { id: 'run-steps' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Step', 'State', 'Attempt', 'Needs', 'Executions'].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          ...steps.map((st) =>
            h(
              'tr',
              { dataset: { step: st.name } },
              h('td', {}, st.name),
              h('td', {}, stateBadge(st.state)),
              h(
                'td',
                {},
                h(
                  'a',
                  {
                    href: `#/graph/${encodeURIComponent(st.attempt.quest)}/${st.attempt.id}`,
                    title: st.attempt.quest,
                  },
                  `${shortQuest(st.attempt.quest)}/${st.attempt.id}`,
                ),
              ),
              h('td', {}, st.needs.join(', ')),
              h('td', {}, ...executionLinks(attemptOf(st))),
            ),
          ),
        ),
      ),
    );
    const open = byName.get(selected);
    if (open !== undefined) showStep(open, attemptOf(open), data);
  }

  /** @param {any} step @param {any} attempt @param {any} data */
  function showStep(step, attempt, data) {
    const name = questName(data, step.attempt.quest);
    replace(
      details,
      h('h3', {}, `Step ${step.name}`),
      attemptDetails(step.attempt, attempt, name, data?.quests?.[step.attempt.quest]?.data?.desc),
    );
  }

  void load();
  return () => {
    closed = true;
    clearTimeout(timer);
  };
}

/** Links to an attempt's executions' tasks. @param {any} attempt @returns {Node[]} */
function executionLinks(attempt) {
  return Object.values(attempt?.executions ?? {}).map((/** @type {any} */ e) =>
    e.data?.task_id
      ? h(
          'a',
          {
            class: 'exec',
            href: `#/task/${encodeURIComponent(e.data.task_id)}`,
            title: e.data.state ?? '',
          },
          `#${e.id.id} ${e.data.state ?? ''}`,
        )
      : h('span', { class: 'exec' }, `#${e.id.id} ${e.data?.state ?? ''}`),
  );
}

/** A JSON text indented (as it is when it does not parse). @param {string} text */
function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * An attempt's state, parameters, result and executions with links to their tasks: drawn from
 * GraphData at once, then the result and the executions from `/api/graph/attempt`.
 * @param {{quest: string, id: number}} id @param {any} a (undefined when not loaded) @param {string} name
 * @param {any} [desc] the quest's desc (GraphData's quest data), for its parameters
 */
function attemptDetails(id, a, name, desc) {
  const execs = Object.values(a?.executions ?? {});
  const resultEl = h('div', { class: 'attempt-result' });
  const execList = h(
    'ul',
    { class: 'executions' },
    ...execs.map((/** @type {any} */ e) =>
      executionItem(e.id.id, e.data?.state ?? '', e.data?.task_id ?? ''),
    ),
  );
  void (async () => {
    let d;
    try {
      d = await api(
        `/api/graph/attempt${qs([
          ['quest', id.quest],
          ['attempt', id.id],
        ])}`,
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        replace(
          resultEl,
          h('p', { class: 'muted' }, `details: ${String(/** @type {any} */ (err).message ?? err)}`),
        );
      return;
    }
    replace(resultEl, ...resultView(d.result));
    replace(
      execList,
      ...d.executions.map((/** @type {any} */ e) => executionItem(e.id, e.state, e.task_id)),
    );
    if (d.executions.length === 0) replace(execList, h('li', { class: 'muted' }, 'no executions'));
  })();
  return h(
    'div',
    {},
    desc?.parameters === undefined
      ? ''
      : h(
          'div',
          { class: 'quest-params' },
          h('p', {}, `distributor ${desc.distributor_config_name ?? ''}, parameters:`),
          h('pre', {}, prettyJson(desc.parameters)),
        ),
    h(
      'p',
      {},
      name ? `${name}: ` : '',
      'attempt ',
      h('a', { href: `#/graph/${encodeURIComponent(id.quest)}/${id.id}` }, `${id.quest}/${id.id}`),
    ),
    a === undefined
      ? h('p', { class: 'muted' }, 'not loaded')
      : h(
          'p',
          {},
          `state ${a.data?.state ?? '?'}, ${a.data?.num_executions ?? 0} executions, waiting on ${a.data?.num_waiting_deps ?? 0}`,
          a.data?.abnormal_finish
            ? ` — ${a.data.abnormal_finish.status}: ${a.data.abnormal_finish.reason ?? ''}`
            : '',
        ),
    resultEl,
    h('p', {}, 'Executions:'),
    execList,
  );
}

/**
 * An attempt's result as `/api/graph/attempt` gives it: none yet, withheld, or its object
 * (its first 4 KiB, saying so when the rest was cut).
 * @param {any} result @returns {Node[]}
 */
function resultView(result) {
  if (result === null || result === undefined) return [h('p', { class: 'muted' }, 'No result.')];
  if (result.withheld)
    return [
      h(
        'p',
        { class: 'muted' },
        `Result of ${result.size} bytes (not shown: no view role in its pool).`,
      ),
    ];
  return [
    h('p', {}, `Result (${result.size} bytes):`),
    h('pre', { class: 'result' }, result.cut ? result.object : prettyJson(result.object)),
    result.cut
      ? h(
          'p',
          { class: 'muted result-cut' },
          `Cut: the first 4 KiB of ${result.size} bytes shown (drover graph result prints it all).`,
        )
      : '',
  ];
}

/** One execution with a link to its task. @param {number} n @param {string} state @param {string} taskId */
function executionItem(n, state, taskId) {
  return h(
    'li',
    { dataset: { execution: String(n) } },
    `execution ${n}: ${state} `,
    taskId
      ? h(
          'a',
          { href: `#/task/${encodeURIComponent(taskId)}`, class: 'exec-task' },
          `task ${taskId}`,
        )
      : '',
  );
}

/**
 * Nodes in layers (a node right of everything it depends on), edges from a node to its
 * dependencies, as an SVG element.
 * @param {Array<{key: string, deps: string[], state: string, lines: string[], attrs: Record<string, string>, onclick: () => void}>} nodes
 * @param {(key: string) => number} layerOf
 * @param {number} nodeH
 */
function layered(nodes, layerOf, nodeH) {
  /** @type {string[][]} */
  const columns = [];
  for (const n of nodes) (columns[layerOf(n.key)] ??= []).push(n.key);
  /** @type {Map<string, {x: number, y: number}>} */
  const pos = new Map();
  columns.forEach((col, l) =>
    col.forEach((k, i) =>
      pos.set(k, { x: 10 + l * (NODE_W + GAP_X), y: 10 + i * (nodeH + GAP_Y) }),
    ),
  );
  const width = 20 + Math.max(1, columns.length) * (NODE_W + GAP_X);
  const height = 20 + Math.max(1, ...columns.map((c) => c?.length ?? 0)) * (nodeH + GAP_Y);
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
  for (const n of nodes) {
    const from = pos.get(n.key);
    for (const d of n.deps) {
      const to = pos.get(d);
      if (!from || !to) continue;
      // The dependent points at what it depends on.
      root.append(
        svg('line', {
          x1: from.x,
          y1: from.y + nodeH / 2,
          x2: to.x + NODE_W,
          y2: to.y + nodeH / 2,
          stroke: '#889',
          'marker-end': 'url(#arrow)',
        }),
      );
    }
  }
  for (const n of nodes) {
    const p = pos.get(n.key);
    if (!p) continue;
    const g = svg('g', { class: 'node', ...n.attrs });
    const tip = svg('title');
    tip.textContent = n.lines.join('\n');
    g.append(
      tip,
      svg('rect', {
        x: p.x,
        y: p.y,
        width: NODE_W,
        height: nodeH,
        rx: 5,
        fill: COLORS[n.state] ?? '#eee',
        stroke: '#667',
      }),
    );
    n.lines.forEach((line, i) => {
      const text = svg('text', { x: p.x + 6, y: p.y + 16 * (i + 1), class: `line${i + 1}` });
      text.textContent = clip(line, 30);
      g.append(text);
    });
    g.addEventListener('click', n.onclick);
    root.append(g);
  }
  return root;
}

/**
 * #/graph/<quest>/<n>: an attempt with its dependencies both ways.
 * @param {import('./app.js').PageContext} ctx @param {string} quest @param {string} attempt
 */
function attemptView({ root, show }, quest, attempt) {
  const depthInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'depth', size: 3, value: '4' })
  );
  const drawing = h('div', { class: 'graph', id: 'graph' });
  const details = h('div', { id: 'graph-details' });
  root.append(
    h('p', {}, h('a', { href: '#/graph' }, '← all runs')),
    h('h2', {}, 'Graph'),
    attemptForm(
      quest,
      attempt,
      [
        h('label', {}, 'Depth ', depthInput),
        h('button', { type: 'button', onclick: () => void load() }, 'Refresh'),
      ],
      () => void load(),
    ),
    drawing,
    details,
  );

  async function load() {
    let data;
    try {
      data = await api(
        `/api/graph${qs([
          ['quest', quest],
          ['attempt', attempt],
          ['depth', depthInput.value.trim()],
        ])}`,
      );
    } catch (err) {
      report(err, show);
      return;
    }
    draw(data);
  }

  /** @param {any} data */
  function draw(data) {
    /** @type {Map<string, any>} */
    const attempts = new Map();
    for (const q of Object.values(data.quests ?? {})) {
      for (const a of Object.values(/** @type {any} */ (q).attempts ?? {}))
        attempts.set(keyOf(a.id), a);
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
      for (const d of attempts.get(k)?.fwd_deps ?? []) {
        if (attempts.has(keyOf(d))) l = Math.max(l, layerOf(keyOf(d), path) + 1);
      }
      path.delete(k);
      layer.set(k, l);
      return l;
    };
    const nodes = [...attempts.keys()].sort().map((k) => {
      const a = attempts.get(k);
      const name = questName(data, a.id.quest);
      const state = a.data?.state ?? '?';
      return {
        key: k,
        deps: (a.fwd_deps ?? []).map(keyOf),
        state,
        lines: [`${name || shortQuest(a.id.quest)}/${a.id.id}`, state],
        attrs: { 'data-attempt': k },
        onclick: () =>
          replace(
            details,
            h('h3', {}, `Attempt ${name ? `${name} ` : ''}${a.id.quest}/${a.id.id}`),
            attemptDetails(a.id, a, name, data.quests?.[a.id.quest]?.data?.desc),
          ),
      };
    });
    replace(
      drawing,
      layered(nodes, (k) => layerOf(k, new Set()), NODE_H),
      data.had_more
        ? h('p', { class: 'muted' }, 'More attempts exist beyond this depth or size.')
        : '',
    );
  }

  void load();
  return () => {};
}
