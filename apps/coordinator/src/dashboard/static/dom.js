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

/** Local date and time. @param {number | null | undefined} atMs */
export function when(atMs) {
  return atMs ? new Date(atMs).toLocaleString() : '';
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
