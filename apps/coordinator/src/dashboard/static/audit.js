// Audit page (#/audit, admins only): who did what, from where, to what, with what result — the
// audit log newest first, from /api/audit (a ListAuditResponse in canonical JSON, docs/json.md).
// The filters live in the URL (#/audit?principal=alice&action=tasks.&since=1d).

import { api, qs } from './api.js';
import { h, pageButtons, replace, when } from './dom.js';

const PAGE_SIZE = 100;
const DURATION = /^(\d+)([smhdw])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Whether the caller may read some of the audit log (from /api/me). @param {any} me */
export function mayAudit(me) {
  const held = me?.roles?.admin;
  return held === 'all' || (Array.isArray(held) && held.length > 0);
}

/**
 * A `since`/`until` value as the API takes it: `1h`, `7d` … before now, or the text as given
 * (RFC 3339). @param {string} text
 */
function timeBound(text) {
  const m = DURATION.exec(text);
  if (m === null) return text;
  return String(Date.now() - Number(m[1]) * UNIT_MS[/** @type {keyof typeof UNIT_MS} */ (m[2])]);
}

/** Where an entry's target leads: a task's or a bot's page. @param {any} e */
function targetCell(e) {
  if (e.target === '') return '';
  if (e.action.startsWith('tasks.')) {
    return h('a', { href: `#/task/${encodeURIComponent(e.target)}` }, e.target);
  }
  if (e.action.startsWith('bots.') && e.action !== 'bots.delete') {
    return h('a', { href: `#/bots/${encodeURIComponent(e.target)}` }, e.target);
  }
  return e.target;
}

/** @param {import('./app.js').PageContext} ctx */
export function auditPage({ root, show }) {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const fields = ['principal', 'action', 'since', 'until'];
  /** @type {Record<string, HTMLInputElement>} */
  const inputs = {};
  const placeholders = {
    principal: 'alice',
    action: 'tasks. or bots.quarantine',
    since: '1d or 2026-12-01T00:00:00Z',
    until: 'RFC 3339',
  };
  for (const f of fields) {
    inputs[f] = /** @type {HTMLInputElement} */ (
      h('input', {
        name: f,
        value: query.get(f) ?? '',
        placeholder: placeholders[/** @type {keyof typeof placeholders} */ (f)],
        size: 22,
      })
    );
  }
  const state = { cursors: [''], page: 0 };
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  const controller = new AbortController();

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (/** @type {Event} */ ev) => {
        ev.preventDefault();
        location.hash = `#/audit${qs(fields.map((f) => [f, inputs[f]?.value.trim() ?? '']))}`;
      },
    },
    ...fields.map((f) => h('label', {}, `${f[0]?.toUpperCase()}${f.slice(1)} `, inputs[f])),
    h('button', { type: 'submit' }, 'Filter'),
  );
  root.append(
    h('h2', {}, 'Audit log'),
    form,
    pager,
    h(
      'table',
      { id: 'audit' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Time', 'Principal', 'From', 'Action', 'Target', 'Pool', 'Result', 'Details'].map(
            (t) => h('th', {}, t),
          ),
        ),
      ),
      tbody,
    ),
  );

  async function load() {
    const cursor = state.cursors[state.page] ?? '';
    try {
      const page = await api(
        `/api/audit${qs([
          ['principal', query.get('principal') ?? ''],
          ['action', query.get('action') ?? ''],
          ['since', timeBound(query.get('since') ?? '')],
          ['until', timeBound(query.get('until') ?? '')],
          ['limit', PAGE_SIZE],
          ['cursor', cursor],
        ])}`,
        { signal: controller.signal },
      );
      state.cursors[state.page + 1] = page.next_cursor;
      replace(
        tbody,
        ...page.entries.map((/** @type {any} */ e) =>
          h(
            'tr',
            { 'data-action': e.action },
            h('td', {}, when(Date.parse(e.time))),
            h('td', {}, e.principal),
            h('td', {}, e.peer),
            h('td', {}, e.action),
            h('td', {}, targetCell(e)),
            h('td', {}, e.pool),
            h('td', { class: e.result === 'ok' ? 'ok' : 'refused' }, e.result),
            h('td', {}, e.details === '{}' ? '' : h('code', {}, e.details)),
          ),
        ),
      );
      if (page.entries.length === 0) {
        replace(tbody, h('tr', {}, h('td', { colspan: 8 }, 'No entries.')));
      }
      pageButtons(pager, state, page.next_cursor, load, `Page ${state.page + 1}`, [
        'Newer',
        'Older',
      ]);
    } catch (err) {
      if (!controller.signal.aborted) show(String(/** @type {any} */ (err).message ?? err));
    }
  }
  void load();
  return () => controller.abort();
}
