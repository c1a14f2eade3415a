// Bots page: counts per pool, a filtered page of bots (server-side paging), rows updated live.
// Bots are BotInfo messages, counts CountBotsResponse, in canonical JSON (docs/json.md).

import { ApiError, api, may, qs } from './api.js';
import { botLink, botPage, botStatus } from './bot.js';
import { ago, h, pageButtons, replace, throttle, tsMs, when } from './dom.js';
import { UpdatesDuringLoads } from './updates.js';

const PAGE_SIZE = 100;
const STATUSES = ['', 'alive', 'dead', 'busy', 'idle', 'quarantined', 'maintenance'];

/**
 * The count columns, from a pool's CountBotsResponse (int64 counts are strings): a bot is alive
 * or dead, an alive one busy or idle; quarantined and maintenance are counted on top.
 * @type {Array<[string, (c: any) => number]>}
 */
const COUNT_COLUMNS = [
  ['alive', (c) => Number(c.count) - Number(c.dead)],
  ['dead', (c) => Number(c.dead)],
  ['busy', (c) => Number(c.busy)],
  ['idle', (c) => Math.max(0, Number(c.count) - Number(c.dead) - Number(c.busy))],
  ['quarantined', (c) => Number(c.quarantined)],
  ['maintenance', (c) => Number(c.maintenance)],
];

/** A BotInfo's pools: the values of its `pool` dimension. @param {any} info */
function botPools(info) {
  return info.dimensions.find((/** @type {{key: string}} */ d) => d.key === 'pool')?.value ?? [];
}

/**
 * `#/bots` lists the bots, `#/bots/<id>` is one bot's page.
 * @param {import('./app.js').PageContext} ctx
 */
export function botsPage(ctx) {
  if ((ctx.params[0] ?? '') !== '') return botPage(ctx);
  return botsList(ctx);
}

/** @param {import('./app.js').PageContext} ctx */
function botsList({ root, live, me, show, tell }) {
  const state = { dims: '', status: '', cursors: [''], page: 0 };
  const countsEl = h('div', { class: 'counts' });
  const dimsInput = /** @type {HTMLInputElement} */ (
    h('input', { name: 'dims', placeholder: 'pool=default os=linux', size: 30 })
  );
  const statusSelect = /** @type {HTMLSelectElement} */ (
    h('select', { name: 'status' }, ...STATUSES.map((s) => h('option', { value: s }, s || 'any')))
  );
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  /** @type {Map<string, HTMLElement>} */
  const rows = new Map();
  /** Drawn again over a load's answer (a bot that took a task while it loaded shows busy). */
  const duringLoads = new UpdatesDuringLoads();
  /** Ends the page's requests still on their way when the page goes. */
  const requests = new AbortController();

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (/** @type {Event} */ ev) => {
        ev.preventDefault();
        state.dims = dimsInput.value.trim();
        state.status = statusSelect.value;
        state.cursors = [''];
        state.page = 0;
        void load();
      },
    },
    h('label', {}, 'Dimensions ', dimsInput),
    h('label', {}, 'Status ', statusSelect),
    h('button', { type: 'submit' }, 'Filter'),
  );
  root.append(
    h('h2', {}, 'Bots'),
    countsEl,
    form,
    pager,
    h(
      'table',
      { id: 'bots' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Bot', 'Status', 'Task', 'Last seen', 'Dimensions', ''].map((t) => h('th', {}, t)),
        ),
      ),
      tbody,
    ),
  );

  async function loadCounts() {
    try {
      const { pools } = await api('/api/bots/counts', { signal: requests.signal });
      replace(
        countsEl,
        h(
          'table',
          { id: 'bot-counts' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'Pool'), ...COUNT_COLUMNS.map(([c]) => h('th', {}, c))),
          ),
          h(
            'tbody',
            {},
            ...pools.map((/** @type {any} */ p) =>
              h(
                'tr',
                {},
                h('td', {}, p.pool),
                ...COUNT_COLUMNS.map(([, of]) => h('td', {}, of(p))),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) show(String(err.message ?? err));
    }
  }

  async function load() {
    const dims = state.dims === '' ? [] : state.dims.split(/\s+/).map((d) => ['dim', d]);
    const query = qs([
      .../** @type {Array<[string, string]>} */ (dims),
      ['status', state.status],
      ['cursor', state.cursors[state.page] ?? ''],
      ['limit', PAGE_SIZE],
    ]);
    let page;
    const meanwhile = duringLoads.begin();
    try {
      page = await api(`/api/bots${query}`, { signal: requests.signal });
      show('');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) show(String(err.message ?? err));
      return;
    } finally {
      meanwhile.end();
    }
    rows.clear();
    tbody.replaceChildren(...page.items.map((/** @type {any} */ b) => row(b)));
    for (const b of meanwhile.since) update(b);
    state.cursors[state.page + 1] = page.cursor;
    const from = state.page * PAGE_SIZE + (page.items.length > 0 ? 1 : 0);
    pageButtons(
      pager,
      state,
      page.cursor,
      load,
      `${from}–${state.page * PAGE_SIZE + page.items.length} of ${Number(page.total)}`,
      ['Previous', 'Next'],
    );
  }

  /** @param {any} info a BotInfo */
  function row(info) {
    const busy = info.task_id !== '';
    // Dead, disconnected (silent, not yet past the death timeout) or alive: never alive when not.
    const status = botStatus(info);
    const badges = [h('span', { class: `badge b-${status}` }, status)];
    if (status !== 'dead')
      badges.push(
        h('span', { class: `badge b-${busy ? 'busy' : 'idle'}` }, busy ? 'busy' : 'idle'),
      );
    if (info.quarantined) {
      badges.push(
        h('span', { class: 'badge b-quarantined', title: info.quarantined_reason }, 'quarantined'),
      );
    }
    if (info.in_maintenance) {
      badges.push(
        h('span', { class: 'badge b-maintenance', title: info.maintenance_msg }, 'maintenance'),
      );
    }
    const dims = info.dimensions.map(
      (/** @type {{key: string, value: string[]}} */ d) => `${d.key}=${d.value.join('|')}`,
    );
    const actions = h('td', {});
    if (may(me, 'admin', botPools(info))) {
      const act = (/** @type {string} */ what, /** @type {string} */ confirmText) => async () => {
        if (confirmText !== '' && !confirm(confirmText)) return;
        try {
          const res = await api(`/api/bots/${encodeURIComponent(info.bot_id)}/${what}`, {
            method: 'POST',
            body: {},
          });
          if (what === 'terminate') tell(`Termination requested: task ${res.task_id}`);
          else update(res);
        } catch (err) {
          tell(String(/** @type {any} */ (err).message ?? err));
        }
      };
      actions.append(
        info.quarantined
          ? h('button', { type: 'button', onclick: act('unquarantine', '') }, 'Unquarantine')
          : h('button', { type: 'button', onclick: act('quarantine', '') }, 'Quarantine'),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: act('terminate', `Terminate bot ${info.bot_id}?`),
          },
          'Terminate',
        ),
      );
    }
    const lastSeen = tsMs(info.last_seen_ts) ?? 0;
    const tr = h(
      'tr',
      { dataset: { bot: info.bot_id } },
      h('td', {}, botLink(info.bot_id)),
      h('td', {}, ...badges),
      h(
        'td',
        {},
        info.task_id
          ? h(
              'a',
              { href: `#/task/${encodeURIComponent(info.task_id)}` },
              info.task_name || info.task_id,
            )
          : '',
      ),
      h('td', { title: lastSeen ? when(lastSeen) : '' }, info.connected ? 'now' : ago(lastSeen)),
      h('td', { class: 'dims' }, dims.join(' ')),
      actions,
    );
    rows.set(info.bot_id, tr);
    return tr;
  }

  /** A bot changed: its row (if on this page) is redrawn. @param {any} info a BotInfo */
  function update(info) {
    const old = rows.get(info.bot_id);
    if (old !== undefined) old.replaceWith(row(info));
    refreshCounts();
  }

  const refreshCounts = throttle(() => void loadCounts(), 2000);
  const offs = [
    live.on('bots', (msg) => {
      duringLoads.received(msg.items);
      for (const b of msg.items) update(b);
    }),
    live.on('resync', () => void load()),
    live.on('ready', () => {
      void load();
      void loadCounts();
    }),
  ];
  live.subscribe(['bots']);
  void loadCounts();
  void load();
  return () => {
    for (const off of offs) off();
    live.subscribe([]);
    requests.abort();
  };
}
