// The dashboard's entry: login (a pasted client token, or the identity provider's sign-in through
// /auth/login and the session cookie), hash routing (#/bots, #/tasks, #/task/<id>, #/graph (the
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
import { auditPage, mayAudit } from './audit.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * What a page gets; it returns a cleanup function run when the route changes. `show` is the
 * page's own message, silent once the page is gone; `tell` is the answer to an action the user
 * started (a cancel, a termination), shown whichever page is up when it comes.
 * @typedef {{ root: HTMLElement, live: Live, me: any, show: (m: string) => void, tell: (m: string) => void, params: string[] }} PageContext
 */

const live = new Live({
  onStatus: (s) => {
    $('live').className = `live ${s}`;
    $('live').title = s === 'on' ? 'live updates on' : 'reconnecting…';
  },
  onUnauthenticated: () => refused(),
  onForbidden: () => showMessage('This token may not use the dashboard.'),
});

/** @type {any} */
let me;
/** @type {(() => void) | undefined} */
let cleanup;

/** The page whose `show` set the message shown (undefined: the app's, or an action's answer). */
/** @type {object | undefined} */
let messageBy;

/** @param {string} text @param {object} [by] the page showing it */
function showMessage(text, by) {
  const el = $('message');
  el.textContent = text;
  el.hidden = text === '';
  messageBy = text === '' ? undefined : by;
}

/** Signed in with the identity provider (the session cookie) rather than a pasted token. */
function bySession() {
  return me !== undefined && getToken() === '';
}

/** A 401: not signed in (the first look), the session expired, or the token was refused. */
function refused() {
  if (getToken() !== '') logout('Your token was refused; log in again.');
  else if (me !== undefined) logout('Your session has ended; sign in again.');
  // Not signed in at the first look; later answers to requests already sent change nothing.
  else if ($('login').hidden) logout();
}

/** Ends the session cookie at the coordinator; offers the provider's end-session page. */
async function endSession() {
  try {
    const res = await fetch('/auth/logout', {
      method: 'POST',
      headers: { 'x-drover-request': '1' },
    });
    const body = await res.json();
    if (typeof body.end_session_url === 'string') {
      $('end-session').setAttribute('href', body.end_session_url);
      $('provider-logout').hidden = false;
    }
  } catch (err) {
    showMessage(`Signing out failed: ${err}`);
  }
}

/** Shows the identity provider's sign-in when the coordinator has one for the dashboard. */
async function showSignInOptions() {
  try {
    const res = await fetch('/api/auth/config');
    const config = await res.json();
    const entry = (config.oidc ?? []).find((/** @type {any} */ i) => i.dashboard_login);
    if (entry === undefined) return;
    $('sso-issuer').textContent = entry.issuer;
    $('sso').hidden = false;
  } catch {
    // No sign-in options: the token login stays.
  }
}

/** @param {string} [why] */
function logout(why) {
  const session = bySession();
  setToken('');
  me = undefined;
  live.stop();
  $('live').className = 'live';
  cleanup?.();
  cleanup = undefined;
  $('app').replaceChildren();
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  showMessage(why ?? '');
  $('token').focus();
  if (session) void endSession();
  else $('provider-logout').hidden = true;
}

whenUnauthenticated(() => refused());

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
  $('nav-audit').hidden = !mayAudit(me);
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
  // A page's messages end with it: an answer to a request the page it replaced sent (its load
  // still on the way when the user moved on, or signed out) must not clear or overwrite this one's.
  // A page clears only its own message (a success after its error), never an action's answer.
  let current = true;
  const self = {};
  /** @type {PageContext} */
  const ctx = {
    root,
    live,
    me,
    show: (m) => {
      if (!current || (m === '' && messageBy !== self)) return;
      showMessage(m, self);
    },
    // Not once signed out (a 401's answer: the sign-in form says why instead).
    tell: (m) => {
      if (me !== undefined) showMessage(m);
    },
    params: rest,
  };
  const pages = {
    bots: botsPage,
    tasks: tasksPage,
    task: taskPage,
    graph: graphPage,
    fleet: fleetPage,
    audit: auditPage,
  };
  const fn = pages[/** @type {keyof typeof pages} */ (page)] ?? botsPage;
  const end = fn(ctx);
  cleanup = () => {
    current = false;
    end?.();
  };
}

$('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('token'));
  setToken(input.value.trim());
  input.value = '';
  void enter();
});
$('logout').addEventListener('click', () => logout());
// Back to the page shown now once signed in (the hash never reaches the server otherwise).
$('sso-login').addEventListener('click', () => {
  $('sso-login').setAttribute('href', `/auth/login?return=${encodeURIComponent(location.hash)}`);
});

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

// A pasted token (this tab's session storage) or the session cookie: /api/me tells which works.
void showSignInOptions();
void enter();
