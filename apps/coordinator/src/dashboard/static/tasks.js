// Tasks page: pending per pool, recent tasks (server-side paging with the store's cursors),
// rows updated live; new tasks appear on the first page when they match the filters. Tasks are
// TaskResult messages in canonical JSON (docs/json.md).

import { ApiError, api, qs } from './api.js';
import { botLink } from './bot.js';
import { UpdatesDuringLoads, newestUpdates } from './updates.js';
import {
  formatDuration,
  h,
  outcomeBadge,
  outcomeOf,
  replace,
  throttle,
  tsMs,
  when,
} from './dom.js';

const PAGE_SIZE = 50;
/** The StateQuery values of ListTasks (common.proto), as the filter offers them. */
const STATES = [
  ['', 'all'],
  ['QUERY_PENDING', 'pending'],
  ['QUERY_RUNNING', 'running'],
  ['QUERY_PENDING_RUNNING', 'pending or running'],
  ['QUERY_COMPLETED', 'completed (any exit)'],
  ['QUERY_COMPLETED_SUCCESS', 'succeeded'],
  ['QUERY_COMPLETED_FAILURE', 'failed'],
  ['QUERY_TIMED_OUT', 'timed out'],
  ['QUERY_BOT_DIED', 'bot died'],
  ['QUERY_KILLED', 'killed'],
  ['QUERY_EXPIRED', 'expired'],
  ['QUERY_NO_RESOURCE', 'no resource'],
  ['QUERY_CLIENT_ERROR', 'client error'],
  ['QUERY_CANCELED', 'canceled'],
  ['QUERY_DEDUPED', 'deduplicated'],
];
/**
 * The filters of a `#/tasks?…` hash. @param {string} hash
 * @returns {{ state: string, name: string, user: string, pool: string, bot: string, since: string, until: string, tags: string[] }}
 */
export function filtersFromHash(hash) {
  const i = hash.indexOf('?');
  const p = new URLSearchParams(i < 0 ? '' : hash.slice(i + 1));
  return {
    state: p.get('state') ?? '',
    name: p.get('name') ?? '',
    user: p.get('user') ?? '',
    pool: p.get('pool') ?? '',
    bot: p.get('bot') ?? '',
    since: p.get('since') ?? '',
    until: p.get('until') ?? '',
    tags: p.getAll('tag').filter((t) => t !== ''),
    cursor: p.get('cursor') ?? '',
    page: Math.max(1, Math.floor(Number(p.get('page') ?? '1')) || 1),
  };
}

const CURSORS_KEY = 'drover.taskCursors';

/**
 * The page before each page's cursor (with its filters), as this tab has paged (sessionStorage: a
 * reload keeps it), so that Newer goes one page back; a shared link's page has none, and Newer
 * goes to the first.
 * @returns {Record<string, string>}
 */
function previousCursors() {
  try {
    return JSON.parse(sessionStorage.getItem(CURSORS_KEY) ?? '{}') ?? {};
  } catch {
    return {};
  }
}

/** @param {string} key the filters and a page's cursor @param {string} previous */
function rememberPrevious(key, previous) {
  const known = previousCursors();
  known[key] = previous;
  // Bounded: the oldest entries go first (object keys keep their insertion order).
  const keys = Object.keys(known);
  for (const k of keys.slice(0, Math.max(0, keys.length - 200))) delete known[k];
  try {
    sessionStorage.setItem(CURSORS_KEY, JSON.stringify(known));
  } catch {
    // Storage refused: Newer then goes to the first page.
  }
}

/** `key=value` (the CLI's form) or `key:value` as a tag. @param {string} text */
function asTag(text) {
  const t = text.trim();
  const eq = t.indexOf('=');
  const colon = t.indexOf(':');
  return eq > 0 && (colon < 0 || eq < colon) ? `${t.slice(0, eq)}:${t.slice(eq + 1)}` : t;
}

/** A pool as typed: `ci`, or the CLI's `pool=ci` / `pool:ci`. @param {string} text */
function asPool(text) {
  return text.trim().replace(/^pool[=:]/, '');
}

/** A time typed as `2026-12-06 12:00`, `2026-12-06T12:00:00Z`, …; UTC unless it says otherwise. @param {string} text */
function asTime(text) {
  const t = text.trim();
  if (t === '') return '';
  const iso = t.replace(' ', 'T');
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : `${iso}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? t : new Date(ms).toISOString();
}

/** A glob of `*` and `?` as a RegExp (the store's name filter, for live rows). @param {string} glob */
function globRegExp(glob) {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** When a TaskResult ended (completed or abandoned), in ms; null while it has not. @param {any} t */
function endedMs(t) {
  return tsMs(t.completed_ts) ?? tsMs(t.abandoned_ts);
}

/**
 * A TaskResult's run time: from start to the end as recorded (a BOT_DIED or KILLED task's too);
 * while it runs, the time since it started.
 * @param {any} t
 */
export function taskDuration(t) {
  const startedMs = tsMs(t.started_ts);
  if (t.state === 'RUNNING' && startedMs !== null) return formatDuration(Date.now() - startedMs);
  const end = endedMs(t);
  if (startedMs !== null && end !== null && end >= startedMs)
    return formatDuration(end - startedMs);
  if (t.duration > 0) return formatDuration(t.duration * 1000);
  return '';
}

/** How long a task waited: started − created, or now − created while PENDING. @param {any} t */
export function pendingTime(t) {
  const created = tsMs(t.created_ts);
  if (created === null) return '';
  const started = tsMs(t.started_ts);
  if (started !== null) return formatDuration(Math.max(0, started - created));
  if (t.state === 'PENDING') return formatDuration(Math.max(0, Date.now() - created));
  const end = endedMs(t);
  return end === null ? '' : formatDuration(Math.max(0, end - created));
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
  const f = filtersFromHash(location.hash);
  const pendingEl = h('div', {});
  const input = (
    /** @type {string} */ name,
    /** @type {string} */ value,
    /** @type {string} */ placeholder,
  ) => /** @type {HTMLInputElement} */ (h('input', { name, value, placeholder }));
  const stateSelect = /** @type {HTMLSelectElement} */ (
    h('select', { name: 'state' }, ...STATES.map(([value, label]) => h('option', { value }, label)))
  );
  stateSelect.value = STATES.some(([v]) => v === f.state) ? f.state : '';
  const fields = {
    name: input('name', f.name, 'glob, e.g. build-*'),
    user: input('user', f.user, 'user'),
    pool: input('pool', f.pool, 'ci or pool=ci'),
    bot: input('bot', f.bot, 'bot id'),
    tags: input('tags', f.tags.join(' '), 'key=value key:value …'),
    since: input('since', f.since, '2026-12-06 12:00 (UTC)'),
    until: input('until', f.until, '2026-12-06 13:00 (UTC)'),
  };
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  /** @type {Map<string, HTMLElement>} */
  const rows = new Map();
  /** Creation time of the newest task shown: older ones changing state are not new. */
  let newestMs = 0;
  /** Drawn again over a load's answer (a task stored while it loaded stays in the list). */
  const duringLoads = new UpdatesDuringLoads();
  /** Ends the page's requests still on their way when the page goes. */
  const requests = new AbortController();

  /**
   * The hash of this view's filters (as loaded) at another page: the route change draws it.
   * @param {string} cursor @param {number} pageNo
   */
  function pageHash(cursor, pageNo) {
    return `#/tasks${qs([
      ['state', f.state],
      ['name', f.name],
      ['user', f.user],
      ['pool', f.pool],
      ['bot', f.bot],
      ...f.tags.map((t) => /** @type {[string, string]} */ (['tag', t])),
      ['since', f.since],
      ['until', f.until],
      ['cursor', cursor],
      ['page', cursor === '' ? '' : String(pageNo)],
    ])}`;
  }

  /** The filters as typed, in the URL (from the first page): the route change draws the page. */
  function apply() {
    const pairs = /** @type {Array<[string, string]>} */ ([
      ['state', stateSelect.value],
      ['name', fields.name.value.trim()],
      ['user', fields.user.value.trim()],
      ['pool', asPool(fields.pool.value)],
      ['bot', fields.bot.value.trim()],
      ...fields.tags.value
        .split(/[\s,]+/)
        .filter((t) => t !== '')
        .map((t) => /** @type {[string, string]} */ (['tag', asTag(t)])),
      ['since', asTime(fields.since.value)],
      ['until', asTime(fields.until.value)],
    ]);
    const target = `#/tasks${qs(pairs)}`;
    if (location.hash === target) void load();
    else location.hash = target;
  }

  root.append(
    h('h2', {}, 'Tasks'),
    pendingEl,
    h(
      'form',
      {
        class: 'filters',
        id: 'task-filters',
        onsubmit: (/** @type {Event} */ ev) => {
          ev.preventDefault();
          apply();
        },
      },
      h('label', {}, 'State ', stateSelect),
      h('label', {}, 'Name ', fields.name),
      h('label', {}, 'User ', fields.user),
      h('label', {}, 'Pool ', fields.pool),
      h('label', {}, 'Bot ', fields.bot),
      h('label', {}, 'Tags ', fields.tags),
      h('label', {}, 'Created since ', fields.since),
      h('label', {}, 'until ', fields.until),
      h('button', { type: 'submit' }, 'Filter'),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            location.hash = '#/tasks';
          },
        },
        'Clear',
      ),
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
          ...['Name', 'State', 'Pool', 'Bot', 'Created', 'Pending', 'Run time', 'Tags'].map((t) =>
            h('th', {}, t),
          ),
        ),
      ),
      tbody,
    ),
  );

  async function loadPending() {
    try {
      const { pools } = await api('/api/tasks/pending', { signal: requests.signal });
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
      ['state', f.state],
      ['name', f.name],
      ['user', f.user],
      ['pool', f.pool],
      ['bot', f.bot],
      ...f.tags.map((t) => /** @type {[string, string]} */ (['tag', t])),
      ['since', f.since],
      ['until', f.until],
      ['cursor', f.cursor],
      ['limit', PAGE_SIZE],
    ]);
    let page;
    const meanwhile = duringLoads.begin();
    try {
      page = await api(`/api/tasks${query}`, { signal: requests.signal });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401))
        show(String(/** @type {any} */ (err).message ?? err));
      return;
    } finally {
      meanwhile.end();
    }
    // A success clears an error left by an earlier request.
    show('');
    rows.clear();
    tbody.replaceChildren(...page.items.map((/** @type {any} */ t) => row(t)));
    newestMs = tsMs(page.items[0]?.created_ts) ?? 0;
    drawPager(page.cursor);
    drawLive(meanwhile.since);
  }

  /**
   * Newest, Newer and Older as links to their hash (the cursor in the URL: a shared link opens
   * the same page; back and forward step through the pages seen).
   * @param {string} next the cursor of the next page ('' on the last)
   */
  function drawPager(next) {
    // Keyed by the filters too: a cursor is a position in one filtered list.
    const keyOf = (/** @type {string} */ cursor) => `${pageHash('', 1)} ${cursor}`;
    const previous = f.cursor === '' ? undefined : previousCursors()[keyOf(f.cursor)];
    const go = (/** @type {string} */ hash) => () => {
      location.hash = hash;
    };
    replace(
      pager,
      h('span', {}, `page ${f.cursor === '' ? 1 : f.page}`),
      h(
        'button',
        { type: 'button', disabled: f.cursor === '', onclick: go(pageHash('', 1)) },
        'Newest',
      ),
      h(
        'button',
        {
          type: 'button',
          disabled: f.cursor === '',
          onclick: go(pageHash(previous ?? '', previous === undefined ? 1 : f.page - 1)),
        },
        'Newer',
      ),
      h(
        'button',
        {
          type: 'button',
          disabled: next === '',
          onclick: () => {
            rememberPrevious(keyOf(next), f.cursor);
            location.hash = pageHash(next, (f.cursor === '' ? 1 : f.page) + 1);
          },
        },
        'Older',
      ),
    );
  }

  /** @param {string | undefined} createdTs */
  function oldestWait(createdTs) {
    const createdMs = tsMs(createdTs);
    return createdMs === null ? '' : formatDuration(Math.max(0, Date.now() - createdMs));
  }

  /** @param {any} t */
  function row(t) {
    const { cls } = outcomeOf(t);
    const tr = h(
      'tr',
      {
        dataset: { task: t.task_id, outcome: cls, modified: String(tsMs(t.modified_ts) ?? 0) },
        class: `row-${cls}`,
      },
      h(
        'td',
        {},
        h(
          'a',
          { href: `#/task/${encodeURIComponent(t.task_id)}`, class: 'task-link' },
          t.name || t.task_id,
        ),
      ),
      h('td', {}, outcomeBadge(t)),
      h('td', {}, taskPools(t).join('|')),
      h('td', {}, t.bot_id ? botLink(t.bot_id) : ''),
      h('td', {}, when(tsMs(t.created_ts))),
      h('td', {}, pendingTime(t)),
      h('td', {}, taskDuration(t)),
      h('td', { class: 'dims' }, t.tags.join(' ')),
    );
    rows.set(t.task_id, tr);
    return tr;
  }

  const nameRe = f.name === '' ? null : globRegExp(f.name);
  const sinceMs = tsMs(f.since);
  const untilMs = tsMs(f.until);

  /** Whether a live TaskResult belongs in this view (the server's filters, redone). @param {any} t */
  function matches(t) {
    if (!stateMatches(f.state, t)) return false;
    /** @type {string[]} */
    const tags = t.tags;
    if (!f.tags.every((tag) => tags.includes(tag))) return false;
    if (f.user !== '' && !tags.includes(`user:${f.user}`)) return false;
    if (
      nameRe !== null &&
      !tags.some((tag) => tag.startsWith('name:') && nameRe.test(tag.slice(5)))
    )
      return false;
    if (f.pool !== '' && !taskPools(t).includes(f.pool)) return false;
    if (f.bot !== '' && t.bot_id !== f.bot) return false;
    const created = tsMs(t.created_ts) ?? 0;
    if (sinceMs !== null && created < sinceMs) return false;
    if (untilMs !== null && created >= untilMs) return false;
    return true;
  }

  /**
   * Live task updates into the list: a shown task's row redrawn in its newest state (one the
   * filters no longer match too, rather than left as it was), a new one on the first page.
   * @param {any[]} items
   */
  function drawLive(items) {
    const drawn = newestUpdates(
      items,
      (t) => t.task_id,
      (t) => tsMs(t.modified_ts) ?? 0,
      (id) => {
        const shown = rows.get(id);
        return shown === undefined ? undefined : Number(shown.dataset['modified'] ?? 0);
      },
    );
    for (const t of drawn) {
      const old = rows.get(t.task_id);
      const createdMs = tsMs(t.created_ts) ?? 0;
      if (old !== undefined) old.replaceWith(row(t));
      else if (f.cursor === '' && matches(t) && createdMs >= newestMs) {
        newestMs = createdMs;
        tbody.prepend(row(t));
        while (tbody.children.length > PAGE_SIZE) {
          const last = /** @type {HTMLElement} */ (tbody.lastElementChild);
          rows.delete(last.dataset['task'] ?? '');
          last.remove();
        }
      }
    }
  }

  const refreshPending = throttle(() => void loadPending(), 1000);
  const offs = [
    live.on('tasks', (msg) => {
      duringLoads.received(msg.items);
      drawLive(msg.items);
      for (const t of msg.items) {
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
    requests.abort();
  };
}

/** Whether a TaskResult answers a StateQuery (as the store's stateQueryFilter). @param {string} q @param {any} t */
function stateMatches(q, t) {
  const failed = t.state === 'COMPLETED' && (t.failure || Number(t.exit_code ?? 0) !== 0);
  switch (q) {
    case '':
    case 'QUERY_ALL':
      return true;
    case 'QUERY_PENDING_RUNNING':
      return t.state === 'PENDING' || t.state === 'RUNNING';
    case 'QUERY_COMPLETED_SUCCESS':
      return t.state === 'COMPLETED' && !failed;
    case 'QUERY_COMPLETED_FAILURE':
      return failed;
    case 'QUERY_DEDUPED':
      return Boolean(t.deduped_from);
    default:
      return t.state === q.replace(/^QUERY_/, '');
  }
}
