// The dashboard's cookies (docs/auth.md "Signing in"): the session (the provider's ID token, so
// that every replica accepts it as it accepts a bearer JWT), the pending login between
// /auth/login and /auth/callback (HMAC-signed, 10 minutes), and the CSRF rule for requests that
// a cookie authenticates. Pure apart from node:crypto.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** How long a sign-in at the provider may take, from /auth/login to /auth/callback. */
export const PENDING_LOGIN_MS = 10 * 60_000;

/**
 * Browsers keep at most 4096 bytes per cookie (name and attributes included): an ID token
 * longer than this cannot be a session and the callback says so.
 */
export const MAX_SESSION_TOKEN_BYTES = 3800;

/** The header the dashboard's own requests carry; a cross-site form cannot send it. */
export const CSRF_HEADER = 'x-drover-request';

/** Cookie names: `__Host-` under TLS (Secure, Path=/, no Domain: no sibling host can set it). */
export function cookieNames(tls: boolean): { session: string; pending: string } {
  return tls
    ? { session: '__Host-drover_session', pending: '__Host-drover_login' }
    : { session: 'drover_session', pending: 'drover_login' };
}

/** `Set-Cookie` for `name=value`: HttpOnly, SameSite=Lax, Path=/, Secure under TLS. */
export function setCookie(name: string, value: string, maxAgeS: number, tls: boolean): string {
  const parts = [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeS))}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (tls) parts.push('Secure');
  return parts.join('; ');
}

/** `Set-Cookie` that removes `name`. */
export function clearCookie(name: string, tls: boolean): string {
  return setCookie(name, '', 0, tls);
}

/** The value of cookie `name` in the request, if any. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether a request that a cookie authenticates may change something: its `Origin` (browsers
 * send it on every POST and WebSocket handshake) names this host, or, without one, it carries
 * the dashboard's custom header, which a cross-site form cannot add and a cross-site script
 * cannot send without a CORS preflight the coordinator never grants.
 */
export function sameOriginRequest(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin !== undefined) {
    if (host === undefined || origin === 'null') return false;
    try {
      return new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }
  return req.headers[CSRF_HEADER] === '1';
}

/** What /auth/login hands to /auth/callback through the browser. */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Where to go back to: a dashboard hash route (`#/tasks`), '' for the start page. */
  readonly returnTo: string;
  readonly expiresMs: number;
}

/** Signs and checks pending logins with one HMAC-SHA256 key. */
export class PendingLoginSealer {
  readonly #key: Buffer;

  /**
   * `secret`: the dashboard client's secret, which every replica shares, so a callback may land
   * on another replica than the login; without one, a key made now (the callback must come back
   * to this process).
   */
  constructor(secret: string | undefined) {
    this.#key =
      secret === undefined
        ? randomBytes(32)
        : createHmac('sha256', 'drover dashboard pending login').update(secret).digest();
  }

  seal(p: PendingLogin): string {
    const body = Buffer.from(JSON.stringify(p)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The pending login of a cookie value, or why it is not one. */
  open(value: string | undefined, nowMs: number): PendingLogin | { refused: string } {
    if (value === undefined || value === '') return { refused: 'no sign-in was started here' };
    const dot = value.indexOf('.');
    const body = value.slice(0, dot);
    const mac = Buffer.from(value.slice(dot + 1));
    const want = Buffer.from(this.#mac(body));
    if (dot < 0 || mac.length !== want.length || !timingSafeEqual(mac, want)) {
      return { refused: 'the sign-in record is not valid here' };
    }
    let p: PendingLogin;
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as PendingLogin;
    } catch {
      return { refused: 'the sign-in record is not valid here' };
    }
    if (!(p.expiresMs > nowMs)) return { refused: 'the sign-in took too long' };
    return p;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

/** A dashboard hash route to return to after signing in, or '' (anything else is dropped). */
export function safeReturnTo(value: string | null): string {
  if (value === null || value.length > 512) return '';
  return /^#\/[A-Za-z0-9_\-./?=&%:*,+~]*$/.test(value) ? value : '';
}
