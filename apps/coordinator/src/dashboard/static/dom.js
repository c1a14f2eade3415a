// DOM helpers: every value shown goes through textContent or an attribute, never innerHTML.

/**
 * Creates an element. `attrs` keys starting with `on` are listeners; `class`, `href`, `title`,
 * `type`, `value`, `disabled`, … are set as attributes or properties. Children are nodes or text.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else if (key === 'class') {
      el.className = String(value);
    } else if (key === 'dataset' && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (key === 'value' || key === 'checked' || key === 'disabled') {
      /** @type {any} */ (el)[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {unknown[]} children */
function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An SVG element (attributes only). @param {string} tag @param {Record<string, string | number>} attrs */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Replaces the children of `el`. @param {Element} el @param {...(Node | string)} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * Fills `pager` with a page's label and its two buttons: back (disabled on the first page) and
 * on (disabled without a cursor), each moving `state.page` and calling `load`.
 * @param {Element} pager @param {{ page: number }} state @param {string} cursor
 * @param {() => Promise<void>} load @param {string} label @param {[string, string]} names
 */
export function pageButtons(pager, state, cursor, load, label, names) {
  const step = (/** @type {number} */ by) => () => {
    state.page += by;
    void load();
  };
  replace(
    pager,
    h('span', {}, label),
    h('button', { type: 'button', disabled: state.page === 0, onclick: step(-1) }, names[0]),
    h('button', { type: 'button', disabled: cursor === '', onclick: step(1) }, names[1]),
  );
}

/** "3.2 s", "4 min", "2.5 h", "3 d". @param {number} ms */
export function formatDuration(ms) {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** "12 s ago". @param {number | null | undefined} atMs */
export function ago(atMs) {
  if (!atMs) return '';
  return `${formatDuration(Math.max(0, Date.now() - atMs))} ago`;
}

const TIME_KEY = 'drover.time';

/** How times are shown: 'utc' (the default, as the CLI) or 'local'; kept in localStorage. */
export function timeZoneMode() {
  try {
    return localStorage.getItem(TIME_KEY) === 'local' ? 'local' : 'utc';
  } catch {
    return 'utc';
  }
}

/** @param {'utc' | 'local'} mode */
export function setTimeZoneMode(mode) {
  try {
    localStorage.setItem(TIME_KEY, mode);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
}

const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');

/**
 * One format for every time shown: `2026-12-06 12:00:00Z` (UTC, as the CLI) or, when the header's
 * toggle says so, local time with its offset (`2026-12-06 13:00:00+01:00`); an event of the last
 * hour also says how long ago ("3.0 min ago").
 * @param {number | null | undefined} atMs
 */
export function when(atMs) {
  if (!atMs) return '';
  const d = new Date(atMs);
  let text;
  if (timeZoneMode() === 'utc') {
    text = `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  } else {
    const off = -d.getTimezoneOffset();
    const zone = `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
    text =
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
  }
  const age = Date.now() - atMs;
  return age >= 0 && age < 3600_000 ? `${text} (${ago(atMs)})` : text;
}

/**
 * A TaskResult's outcome as a user reads it: COMPLETED with exit 0 "succeeded", with another exit
 * code "failed (exit N)", the other end states by name; `cls` is the CSS class (style.css `o-…`).
 * @param {any} result a TaskResult in canonical JSON
 * @returns {{ label: string, cls: string }}
 */
export function outcomeOf(result) {
  const state = String(result?.state ?? '');
  if (state === 'COMPLETED') {
    const exit = Number(result.exit_code ?? 0);
    if (result.failure || exit !== 0) return { label: `failed (exit ${exit})`, cls: 'o-failed' };
    return { label: 'succeeded', cls: 'o-succeeded' };
  }
  /** @type {Record<string, string>} */
  const labels = {
    PENDING: 'pending',
    RUNNING: 'running',
    TIMED_OUT: 'timed out',
    BOT_DIED: 'bot died',
    KILLED: 'killed',
    EXPIRED: 'expired',
    NO_RESOURCE: 'no resource',
    CLIENT_ERROR: 'client error',
    CANCELED: 'canceled',
  };
  return { label: labels[state] ?? state.toLowerCase(), cls: `o-${state}` };
}

/** A badge for a TaskResult's outcome (see outcomeOf). @param {any} result */
export function outcomeBadge(result) {
  const { label, cls } = outcomeOf(result);
  return h(
    'span',
    { class: `badge ${cls}`, 'data-state': result.state, 'data-outcome': cls },
    label,
  );
}

/** A state badge. @param {string} state */
export function stateBadge(state) {
  return h('span', { class: `badge s-${state}`, 'data-state': state }, state);
}

/**
 * A google.protobuf.Timestamp of the API (canonical JSON: RFC 3339) in ms since the epoch; null
 * when absent (an unset timestamp is left out).
 * @param {string | null | undefined} ts
 */
export function tsMs(ts) {
  if (!ts) return null;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Calls `fn` at most once per `ms`, the last call winning (for refetches caused by live events).
 * @param {() => void} fn @param {number} ms
 */
export function throttle(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}
