// Tasks page: pending per pool, recent tasks (server-side paging with the store's cursors),
// rows updated live; new tasks appear on the first page when they match the filters. Tasks are
// TaskResult messages in canonical JSON (docs/json.md).

import { ApiError, api, qs } from './api.js';
import {
  formatDuration,
  h,
  replace,
  stateBadge,
  throttle,
  tsMs,
  when,
  pageButtons,
} from './dom.js';

const PAGE_SIZE = 50;
const STATES = [
  'ALL',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'KILLED',
  'CANCELED',
  'EXPIRED',
  'TIMED_OUT',
  'BOT_DIED',
  'CLIENT_ERROR',
  'NO_RESOURCE',
];

/** A TaskResult's process time; while it runs, the time since it started. @param {any} t */
export function taskDuration(t) {
  const startedMs = tsMs(t.started_ts);
  if (t.state === 'RUNNING' && startedMs !== null) return formatDuration(Date.now() - startedMs);
  if (t.duration > 0 || startedMs !== null) return formatDuration(t.duration * 1000);
  return '';
}

/** A task's pools, from the `pool:` tags the coordinator gives every task. @param {any} t */
export function taskPools(t) {
  return t.tags
    .filter((/** @type {string} */ tag) => tag.startsWith('pool:'))
    .flatMap((/** @type {string} */ tag) => tag.slice('pool:'.length).split('|'))
    .filter((/** @type {string} */ p) => p !== '');
}

/** @param {import('./app.js').PageContext} ctx */
export function tasksPage({ root, live, show }) {
  const state = { state: 'ALL', tag: '', cursors: [''], page: 0 };
  const pendingEl = h('div', {});
  const stateSelect = /** @type {HTMLSelectElement} */ (
    h('select', { name: 'state' }, ...STATES.map((s) => h('option', { value: s }, s)))
  );
  const tagInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'tag', placeholder: 'key:value' })
  );
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  /** @type {Map<string, HTMLElement>} */
  const rows = new Map();
  /** Creation time of the newest task shown: older ones changing state are not new. */
  let newestMs = 0;

  root.append(
    h('h2', {}, 'Tasks'),
    pendingEl,
    h(
      'form',
      {
        class: 'filters',
        onsubmit: (/** @type {Event} */ ev) => {
          ev.preventDefault();
          state.state = stateSelect.value;
          state.tag = tagInput.value.trim();
          state.cursors = [''];
          state.page = 0;
          void load();
        },
      },
      h('label', {}, 'State ', stateSelect),
      h('label', {}, 'Tag ', tagInput),
      h('button', { type: 'submit' }, 'Filter'),
    ),
    pager,
    h(
      'table',
      { id: 'tasks' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Name', 'State', 'Pool', 'Bot', 'Created', 'Duration', 'Tags'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      tbody,
    ),
  );

  async function loadPending() {
    try {
      const { pools } = await api('/api/tasks/pending');
      replace(
        pendingEl,
        h(
          'table',
          { id: 'pending' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'Pool'), h('th', {}, 'Pending'), h('th', {}, 'Oldest waiting')),
          ),
          h(
            'tbody',
            {},
            ...pools.map((/** @type {any} */ p) =>
              h(
                'tr',
                {},
                h('td', {}, p.pool || '(none)'),
                h('td', {}, Number(p.count)),
                h('td', {}, oldestWait(p.oldest_created_ts)),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        show(String(/** @type {any} */ (err).message ?? err));
    }
  }

  async function load() {
    const query = qs([
      ['state', state.state],
      ['tag', state.tag],
      ['cursor', state.cursors[state.page] ?? ''],
      ['limit', PAGE_SIZE],
    ]);
    let page;
    try {
      page = await api(`/api/tasks${query}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        show(String(/** @type {any} */ (err).message ?? err));
      return;
    }
    rows.clear();
    tbody.replaceChildren(...page.items.map((/** @type {any} */ t) => row(t)));
    newestMs = tsMs(page.items[0]?.created_ts) ?? 0;
    state.cursors[state.page + 1] = page.cursor;
    pageButtons(pager, state, page.cursor, load, `page ${state.page + 1}`, ['Newer', 'Older']);
  }

  /** @param {string | undefined} createdTs */
  function oldestWait(createdTs) {
    const createdMs = tsMs(createdTs);
    return createdMs === null ? '' : formatDuration(Math.max(0, Date.now() - createdMs));
  }

  /** @param {any} t */
  function row(t) {
    const tr = h(
      'tr',
      { dataset: { task: t.task_id } },
      h('td', {}, h('a', { href: `#/task/${encodeURIComponent(t.task_id)}` }, t.name || t.task_id)),
      h(
        'td',
        {},
        stateBadge(t.state),
        t.failure ? h('span', { class: 'badge failure' }, `exit ${t.exit_code ?? '?'}`) : '',
      ),
      h('td', {}, taskPools(t).join('|')),
      h('td', {}, t.bot_id),
      h('td', {}, when(tsMs(t.created_ts))),
      h('td', {}, taskDuration(t)),
      h('td', { class: 'dims' }, t.tags.join(' ')),
    );
    rows.set(t.task_id, tr);
    return tr;
  }

  /** @param {any} t */
  function matches(t) {
    return (
      (state.state === 'ALL' || t.state === state.state) &&
      (state.tag === '' || t.tags.includes(state.tag))
    );
  }

  const refreshPending = throttle(() => void loadPending(), 1000);
  const offs = [
    live.on('tasks', (msg) => {
      for (const t of msg.items) {
        const old = rows.get(t.task_id);
        const createdMs = tsMs(t.created_ts) ?? 0;
        if (old !== undefined) {
          if (matches(t)) old.replaceWith(row(t));
        } else if (state.page === 0 && matches(t) && createdMs >= newestMs) {
          newestMs = createdMs;
          tbody.prepend(row(t));
          while (tbody.children.length > PAGE_SIZE) {
            const last = /** @type {HTMLElement} */ (tbody.lastElementChild);
            rows.delete(last.dataset['task'] ?? '');
            last.remove();
          }
        }
        if (t.state === 'PENDING' || t.started_ts !== undefined) refreshPending();
      }
    }),
    live.on('resync', () => void load()),
    live.on('ready', () => {
      void load();
      void loadPending();
    }),
  ];
  live.subscribe(['tasks']);
  void loadPending();
  void load();
  return () => {
    for (const off of offs) off();
    live.subscribe([]);
  };
}
