// The dashboard API over fetch: the client token from sessionStorage as `authorization: Bearer`,
// or, signed in with the identity provider (/auth/login), the session cookie the browser sends.
// Every request carries `x-drover-request: 1`, which a cross-site form cannot send (CSRF).

const TOKEN_KEY = 'drover.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** @param {string} token */
export function setToken(token) {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An API answer other than 2xx; `status` 401 sends the page back to the login form. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @type {() => void} */
let onUnauthenticated = () => {};

/** @param {() => void} fn */
export function whenUnauthenticated(fn) {
  onUnauthenticated = fn;
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown, signal?: AbortSignal }} [opts]
 */
export async function api(path, opts = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'x-drover-request': '1' };
  if (getToken() !== '') headers['authorization'] = `Bearer ${getToken()}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && typeof body.error === 'string') message = body.error;
    } catch {
      // not JSON: keep the status line
    }
    if (res.status === 401) onUnauthenticated();
    throw new ApiError(res.status, message);
  }
  return res.json();
}

/** A query string from pairs, skipping empty values. @param {Array<[string, string | number]>} pairs */
export function qs(pairs) {
  const p = new URLSearchParams();
  for (const [k, v] of pairs) if (v !== '' && v !== undefined) p.append(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * Whether the caller (from /api/me) holds `role` in every one of `pools`: only to decide which
 * buttons to show; the server decides.
 * @param {any} me @param {string} role @param {readonly string[]} pools
 */
export function may(me, role, pools) {
  const held = me?.roles?.[role];
  if (held === 'all') return true;
  return Array.isArray(held) && pools.length > 0 && pools.every((p) => held.includes(p));
}
