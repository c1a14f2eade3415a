// The dashboard's entry: login, hash routing (#/bots, #/tasks, #/task/<id>, #/graph (the
// pipeline runs), #/graph/run/<id or name>, #/graph/<quest>/<n>, #/fleet and #/fleet/day) and
// the one live connection shared by the pages.

import { ApiError, api, getToken, setToken, whenUnauthenticated } from './api.js';
import { setTimeZoneMode, timeZoneMode } from './dom.js';
import { Live } from './live.js';
import { botsPage } from './bots.js';
import { tasksPage } from './tasks.js';
import { taskPage } from './task.js';
import { graphPage } from './graph.js';
import { fleetPage } from './fleet.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * What a page gets; it returns a cleanup function run when the route changes.
 * @typedef {{ root: HTMLElement, live: Live, me: any, show: (m: string) => void, params: string[] }} PageContext
 */

const live = new Live({
  onStatus: (s) => {
    $('live').className = `live ${s}`;
    $('live').title = s === 'on' ? 'live updates on' : 'reconnecting…';
  },
  onUnauthenticated: () => logout('Your token was refused; log in again.'),
  onForbidden: () => showMessage('This token may not use the dashboard.'),
});

/** @type {any} */
let me;
/** @type {(() => void) | undefined} */
let cleanup;

/** @param {string} text */
function showMessage(text) {
  const el = $('message');
  el.textContent = text;
  el.hidden = text === '';
}

/** @param {string} [why] */
function logout(why) {
  setToken('');
  me = undefined;
  live.stop();
  cleanup?.();
  cleanup = undefined;
  $('app').replaceChildren();
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  showMessage(why ?? '');
  $('token').focus();
}

whenUnauthenticated(() => logout('Your token was refused; log in again.'));

async function enter() {
  try {
    me = await api('/api/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) logout(err.message);
    else if (!(err instanceof ApiError && err.status === 401)) showMessage(String(err));
    return;
  }
  $('login').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = me.name;
  showMessage('');
  live.start();
  route();
}

function route() {
  if (me === undefined) return;
  cleanup?.();
  cleanup = undefined;
  showMessage('');
  // A page's query (`#/tasks?state=…`) is the page's to read.
  const hash = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const [page = 'bots', ...rest] = hash.split('/').map((p) => decodeURIComponent(p));
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === `#/${page}`);
  }
  const root = document.createElement('div');
  $('app').replaceChildren(root);
  /** @type {PageContext} */
  const ctx = { root, live, me, show: showMessage, params: rest };
  const pages = {
    bots: botsPage,
    tasks: tasksPage,
    task: taskPage,
    graph: graphPage,
    fleet: fleetPage,
  };
  const fn = pages[/** @type {keyof typeof pages} */ (page)] ?? botsPage;
  cleanup = fn(ctx);
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('token'));
  setToken(input.value.trim());
  input.value = '';
  void enter();
});
$('logout').addEventListener('click', () => logout());

/** The header's time toggle: UTC (as the CLI) or local, remembered; the page is drawn again. */
function showTimeMode() {
  $('timefmt').textContent = timeZoneMode() === 'utc' ? 'Times: UTC' : 'Times: local';
  $('timefmt').dataset['mode'] = timeZoneMode();
}
$('timefmt').addEventListener('click', () => {
  setTimeZoneMode(timeZoneMode() === 'utc' ? 'local' : 'utc');
  showTimeMode();
  route();
});
showTimeMode();
window.addEventListener('hashchange', route);

if (getToken() === '') logout();
else void enter();
