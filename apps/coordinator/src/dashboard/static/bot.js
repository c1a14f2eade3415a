// One bot's page (#/bots/<id>): its BotInfo (status with reason, version, uptime, last seen, disk
// and cpu from its state, current task, dimensions), its events (ListBotEventsResponse) and the
// tasks it ran (ListBotTasksResponse), each paged, and the admin actions its pools allow.

import { ApiError, api, may, qs } from './api.js';
import { ago, formatDuration, h, pageButtons, replace, stateBadge, tsMs, when } from './dom.js';

const PAGE_SIZE = 50;

/** A BotInfo's status as people think of it: dead, disconnected or alive. @param {any} info */
export function botStatus(info) {
  if (info.is_dead) return 'dead';
  if (!info.connected) return 'disconnected';
  return 'alive';
}

/** A link to a bot's page. @param {string} botId */
export function botLink(botId) {
  return h('a', { href: `#/bots/${encodeURIComponent(botId)}`, class: 'bot-link' }, botId);
}

/** "12.3 GB". @param {number} n */
function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** A time and how long ago it was: "2026-… (3.0 min ago)". @param {any} ts a Timestamp in canonical JSON */
function timeCell(ts) {
  const ms = tsMs(ts);
  if (!ms) return '';
  const at = when(ms);
  return at.includes('ago') ? at : `${at} (${ago(ms)})`;
}

/** @param {import('./app.js').PageContext} ctx */
export function botPage({ root, live, me, show, tell, params }) {
  const botId = params[0] ?? '';
  const head = h('h2', {}, 'Bot ', botId);
  const facts = h('div', { id: 'bot-facts' });
  const actions = h('div', { class: 'actions', id: 'bot-actions' });
  const dims = h('div', { id: 'bot-dims' });
  const events = history('events', ['Time', 'Event', 'Message', 'Task'], (e) =>
    h(
      'tr',
      { dataset: { event: e.event_type } },
      h('td', {}, when(tsMs(e.ts))),
      h('td', {}, e.event_type),
      h('td', {}, e.message),
      h('td', {}, taskLink(e.task_id, e.task_id)),
    ),
  );
  const ran = history('tasks', ['Task', 'State', 'Started', 'Ran for'], (t) => {
    const started = tsMs(t.started_ts);
    const ended = tsMs(t.completed_ts) ?? tsMs(t.abandoned_ts);
    return h(
      'tr',
      { dataset: { task: t.task_id } },
      h('td', {}, taskLink(t.task_id, t.name || t.task_id)),
      h('td', {}, stateBadge(t.state)),
      h('td', {}, when(started)),
      h('td', {}, started && ended ? formatDuration(ended - started) : ''),
    );
  });
  root.append(
    h('p', {}, h('a', { href: '#/bots' }, '← Bots')),
    head,
    facts,
    actions,
    h('h3', {}, 'Dimensions'),
    dims,
    h('h3', {}, 'Events'),
    events.el,
    h('h3', {}, 'Tasks'),
    ran.el,
  );

  /** @param {string} id @param {string} text */
  function taskLink(id, text) {
    return id ? h('a', { href: `#/task/${encodeURIComponent(id)}` }, text) : '';
  }

  /**
   * A paged table of the bot's history.
   * @param {'events' | 'tasks'} what @param {string[]} columns @param {(x: any) => HTMLElement} row
   */
  function history(what, columns, row) {
    const state = { cursors: [''], page: 0 };
    const tbody = h('tbody');
    const pager = h('div', { class: 'pager' });
    const el = h(
      'div',
      {},
      pager,
      h(
        'table',
        { id: `bot-${what}` },
        h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {}, c)))),
        tbody,
      ),
    );
    async function load() {
      let page;
      try {
        page = await api(
          `/api/bots/${encodeURIComponent(botId)}/${what}${qs([
            ['cursor', state.cursors[state.page] ?? ''],
            ['limit', PAGE_SIZE],
          ])}`,
        );
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) show(String(err.message ?? err));
        return;
      }
      tbody.replaceChildren(...page.items.map(row));
      state.cursors[state.page + 1] = page.cursor;
      const from = state.page * PAGE_SIZE;
      pageButtons(
        pager,
        state,
        page.cursor,
        load,
        page.items.length === 0 ? 'none' : `${from + 1}–${from + page.items.length}`,
        ['Newer', 'Older'],
      );
    }
    return { el, load, state };
  }

  /** @param {any} info a BotInfo */
  function render(info) {
    const status = botStatus(info);
    const badges = [h('span', { class: `badge b-${status}`, id: 'bot-status' }, status)];
    if (status !== 'dead') {
      const busy = info.task_id !== '';
      badges.push(
        h('span', { class: `badge b-${busy ? 'busy' : 'idle'}` }, busy ? 'busy' : 'idle'),
      );
    }
    if (info.quarantined) badges.push(h('span', { class: 'badge b-quarantined' }, 'quarantined'));
    if (info.in_maintenance) {
      badges.push(h('span', { class: 'badge b-maintenance' }, 'maintenance'));
    }
    replace(head, 'Bot ', botId, ' ', ...badges);
    const st = info.state ?? {};
    /** @type {Array<[string, any]>} */
    const rows = [
      ['Status', status],
      ['Version', info.version],
      ['Current task', taskLink(info.task_id, info.task_name || info.task_id)],
      ['Last seen', info.connected ? 'now (connected)' : timeCell(info.last_seen_ts)],
      ['First seen', timeCell(info.first_seen_ts)],
      ['Uptime', st.uptime_secs ? formatDuration(Number(st.uptime_secs) * 1000) : ''],
      ['Free disk', st.free_disk_bytes ? bytes(st.free_disk_bytes) : ''],
      ['CPU load', st.cpu_load !== undefined ? String(st.cpu_load) : ''],
      ['Session', info.session_id],
    ];
    if (info.quarantined) rows.push(['Quarantined', info.quarantined_reason]);
    if (info.in_maintenance) rows.push(['Maintenance', info.maintenance_msg]);
    replace(
      facts,
      h(
        'table',
        { class: 'facts' },
        h(
          'tbody',
          {},
          ...rows.map(([k, v]) =>
            h('tr', { dataset: { fact: k } }, h('th', {}, k), h('td', {}, v ?? '')),
          ),
        ),
      ),
    );
    replace(
      dims,
      h(
        'table',
        { id: 'bot-dimensions' },
        h(
          'tbody',
          {},
          ...info.dimensions.map((/** @type {{key: string, value: string[]}} */ d) =>
            h('tr', {}, h('th', {}, d.key), h('td', {}, d.value.join(' | '))),
          ),
        ),
      ),
    );
    renderActions(info);
  }

  /** @param {any} info */
  function renderActions(info) {
    const pools =
      info.dimensions.find((/** @type {{key: string}} */ d) => d.key === 'pool')?.value ?? [];
    if (!may(me, 'admin', pools)) {
      actions.replaceChildren();
      return;
    }
    /**
     * @param {string} what @param {string} prompt @param {(reason: string) => object} body
     * @param {string} [cls]
     */
    const act = (what, prompt, body, cls = '') =>
      h(
        'button',
        {
          type: 'button',
          class: cls,
          dataset: { action: what },
          onclick: async () => {
            const reason = window.prompt(prompt);
            if (reason === null) return;
            try {
              const res = await api(`/api/bots/${encodeURIComponent(botId)}/${what}`, {
                method: 'POST',
                body: body(reason),
              });
              if (what === 'terminate') tell(`Termination requested: task ${res.task_id}`);
              else if (what === 'delete') tell(`Bot ${botId} deleted`);
              else render(res);
              void events.load();
            } catch (err) {
              tell(String(/** @type {any} */ (err).message ?? err));
            }
          },
        },
        what[0]?.toUpperCase() + what.slice(1),
      );
    replace(
      actions,
      info.quarantined
        ? act('unquarantine', `Unquarantine ${botId}: why?`, () => ({}))
        : act('quarantine', `Quarantine ${botId}: why?`, (reason) => ({ reason })),
      ' ',
      h(
        'span',
        {},
        info.in_maintenance
          ? act('maintenance', `End maintenance of ${botId}: why?`, () => ({ enabled: false }))
          : act('maintenance', `Maintenance of ${botId}: message?`, (message) => ({
              enabled: true,
              message,
            })),
      ),
      ' ',
      act('terminate', `Terminate ${botId}: why?`, (reason) => ({ reason }), 'danger'),
      ' ',
      act('delete', `Delete ${botId} (its history stays): why?`, () => ({ force: true }), 'danger'),
    );
  }

  async function loadBot() {
    try {
      render(await api(`/api/bots/${encodeURIComponent(botId)}`));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) show(String(err.message ?? err));
    }
  }

  const offs = [
    live.on('bots', (msg) => {
      for (const b of msg.items) {
        if (b.bot_id === botId) {
          render(b);
          if (events.state.page === 0) void events.load();
          if (ran.state.page === 0) void ran.load();
        }
      }
    }),
    live.on('ready', () => {
      void loadBot();
      void events.load();
      void ran.load();
    }),
  ];
  live.subscribe(['bots']);
  void loadBot();
  void events.load();
  void ran.load();
  return () => {
    for (const off of offs) off();
    live.subscribe([]);
  };
}
