// The dashboard's cookies and CSRF rule (session-cookie.ts): what a browser is told to keep, what
// a pending sign-in survives, and which requests a session cookie may change something with.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  CSRF_HEADER,
  PendingLoginSealer,
  cookieNames,
  readCookie,
  safeReturnTo,
  sameOriginRequest,
  setCookie,
} from '../../src/dashboard/session-cookie';

function req(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

const pending = {
  state: 's',
  nonce: 'n',
  codeVerifier: 'v',
  returnTo: '#/tasks',
  expiresMs: 2_000,
};

describe('session cookies', () => {
  it('are HttpOnly, SameSite=Lax and Path=/, Secure with the __Host- prefix only under TLS', () => {
    expect(setCookie(cookieNames(false).session, 'jwt', 60, false)).toBe(
      'drover_session=jwt; Path=/; Max-Age=60; HttpOnly; SameSite=Lax',
    );
    expect(setCookie(cookieNames(true).session, 'jwt', 60, true)).toBe(
      '__Host-drover_session=jwt; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure',
    );
  });

  it('reads one cookie among several', () => {
    const r = req({ cookie: 'a=1; drover_session=x.y.z; _session=other' });
    expect(readCookie(r, 'drover_session')).toBe('x.y.z');
    expect(readCookie(r, 'missing')).toBeUndefined();
  });
});

describe('pending sign-ins', () => {
  it('come back as sealed until they expire', () => {
    const sealer = new PendingLoginSealer('secret');
    const sealed = sealer.seal(pending);
    expect(sealer.open(sealed, 1_000)).toEqual(pending);
    expect(sealer.open(sealed, 2_000)).toEqual({ refused: 'the sign-in took too long' });
  });

  it('are refused when changed, or sealed with another key', () => {
    const sealer = new PendingLoginSealer('secret');
    const sealed = sealer.seal(pending);
    const [body, mac] = sealed.split('.');
    const changed = Buffer.from(JSON.stringify({ ...pending, returnTo: '#/bots' })).toString(
      'base64url',
    );
    expect(sealer.open(`${changed}.${mac}`, 0)).toHaveProperty('refused');
    expect(new PendingLoginSealer('other').open(sealed, 0)).toHaveProperty('refused');
    // Replicas sharing the client secret accept each other's.
    expect(new PendingLoginSealer('secret').open(`${body}.${mac}`, 0)).toEqual(pending);
    expect(sealer.open(undefined, 0)).toEqual({ refused: 'no sign-in was started here' });
    expect(sealer.open('garbage', 0)).toHaveProperty('refused');
  });

  it('go back only to a dashboard route', () => {
    expect(safeReturnTo('#/task/abc')).toBe('#/task/abc');
    expect(safeReturnTo('#/tasks?state=failed')).toBe('#/tasks?state=failed');
    expect(safeReturnTo('https://evil.example/')).toBe('');
    expect(safeReturnTo('//evil.example')).toBe('');
    expect(safeReturnTo(null)).toBe('');
  });
});

describe('CSRF', () => {
  it('lets a same-origin request change things, or one carrying the custom header', () => {
    expect(
      sameOriginRequest(req({ host: '127.0.0.1:7071', origin: 'http://127.0.0.1:7071' })),
    ).toBe(true);
    expect(sameOriginRequest(req({ host: 'drover:7071', [CSRF_HEADER]: '1' }))).toBe(true);
  });

  it('refuses a cross-site origin, a null origin, and a request with neither', () => {
    expect(sameOriginRequest(req({ host: 'drover:7071', origin: 'https://evil.example' }))).toBe(
      false,
    );
    expect(
      sameOriginRequest(req({ host: 'drover:7071', origin: 'null', [CSRF_HEADER]: '1' })),
    ).toBe(false);
    expect(
      sameOriginRequest(
        req({ host: 'drover:7071', origin: 'https://evil.example', [CSRF_HEADER]: '1' }),
      ),
    ).toBe(false);
    expect(sameOriginRequest(req({ host: 'drover:7071' }))).toBe(false);
  });
});
