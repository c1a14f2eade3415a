// The dashboard's sign-in with the company's identity provider (docs/auth.md "Signing in"): the
// authorization code flow with PKCE (S256), by openid-client. /auth/login sends the browser to
// the provider, /auth/callback checks state, exchanges the code, checks the ID token (issuer,
// audience, expiry, nonce) and makes it the session cookie, /auth/logout clears it. The session
// is then checked as a bearer JWT is (TokenAuthority.prepare / authenticate), on every replica.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { TokenAuthority } from '../auth/tokens';
import { ConfigError } from '../config-file';
import {
  clearCookie,
  cookieNames,
  MAX_SESSION_TOKEN_BYTES,
  PENDING_LOGIN_MS,
  PendingLoginSealer,
  readCookie,
  safeReturnTo,
  sameOriginRequest,
  setCookie,
} from './session-cookie';
import { sendJson } from './http-json';

/** One issuer people sign in with, as the dashboard and `drover login` need it. */
export interface OidcLoginIssuer {
  readonly issuer: string;
  /** The dashboard's client at the provider (redirect URI `<dashboard>/auth/callback`). */
  readonly dashboard?: { readonly clientId: string; readonly clientSecret?: string };
  /** The CLI's client (public, loopback redirect), told to `drover login`. */
  readonly cli?: { readonly clientId: string };
  /**
   * The claims the coordinator reads (principal, groups): a scope of the same name is asked for
   * where the provider lists it (`scopes_supported`). @default ['email']
   */
  readonly claims?: readonly string[];
}

/** As auth.oidc's compiled entries (auth/oidc-config.ts) give an issuer. */
export interface OidcIssuerEntry {
  readonly issuer: string;
  readonly principalClaim: string;
  readonly groupsClaim: string;
  readonly dashboard: { readonly clientId: string; readonly clientSecretFile?: string } | undefined;
  readonly cli: { readonly clientId: string } | undefined;
}

/** The login side of auth.oidc, the dashboard clients' secrets read from their files. */
export function loginIssuersOf(entries: readonly OidcIssuerEntry[]): OidcLoginIssuer[] {
  return entries.map((e) => {
    let dashboard: OidcLoginIssuer['dashboard'];
    if (e.dashboard !== undefined) {
      const file = e.dashboard.clientSecretFile;
      let secret: string | undefined;
      if (file !== undefined) {
        try {
          secret = readFileSync(file, 'utf8').trim();
        } catch (err) {
          throw new ConfigError(
            `auth.oidc (${e.issuer}).dashboard.clientSecretFile: cannot read ${file}: ${(err as Error).message}`,
          );
        }
      }
      dashboard = {
        clientId: e.dashboard.clientId,
        ...(secret === undefined || secret === '' ? {} : { clientSecret: secret }),
      };
    }
    return {
      issuer: e.issuer,
      ...(dashboard === undefined ? {} : { dashboard }),
      ...(e.cli === undefined ? {} : { cli: { clientId: e.cli.clientId } }),
      claims: [e.principalClaim, e.groupsClaim],
    };
  });
}

/**
 * The scopes asked for: `openid`, and `email`, `profile` and the claims' names where the provider
 * lists them (without a list: `email` and `profile`, which every OpenID provider knows).
 */
export function wantedScopes(claims: readonly string[]): string[] {
  return [...new Set(['openid', 'email', 'profile', ...claims])];
}

export function scopesFor(wanted: readonly string[], supported: readonly string[] | undefined) {
  return wanted.filter((s) =>
    s === 'openid'
      ? true
      : supported === undefined
        ? ['email', 'profile'].includes(s)
        : supported.includes(s),
  );
}

export interface OidcLoginDeps {
  readonly issuers: readonly OidcLoginIssuer[];
  readonly tokens: TokenAuthority;
  /** Whether the coordinator serves HTTPS itself (the cookies get Secure and `__Host-`). */
  readonly tls: boolean;
  readonly clock: () => number;
  readonly log: Logger;
}

/** Whether `url` is plain HTTP to a loopback host: allowed for an issuer (tests, dev setups). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Discovers an issuer's endpoints once; a failure is forgotten so that the next try asks again. */
class Discovered {
  #config: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly entry: OidcLoginIssuer,
    readonly client: { readonly clientId: string; readonly clientSecret?: string },
  ) {}

  get(): Promise<oidc.Configuration> {
    if (this.#config === undefined) {
      const url = new URL(this.entry.issuer);
      const secret = this.client.clientSecret;
      const p = oidc.discovery(
        url,
        this.client.clientId,
        secret === undefined ? undefined : { client_secret: secret },
        secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret),
        {
          ...(isLoopbackHttp(url) ? { execute: [oidc.allowInsecureRequests] } : {}),
          timeout: 10,
        },
      );
      this.#config = p;
      p.catch(() => {
        if (this.#config === p) this.#config = undefined;
      });
    }
    return this.#config;
  }
}

/**
 * The `/auth/*` pages and `/api/auth/config`. Serves the first issuer that has a dashboard
 * client; without one, /auth/login says that sign-in is not configured.
 */
export class OidcLogin {
  readonly #deps: OidcLoginDeps;
  readonly #dashboard: Discovered | undefined;
  readonly #sealer: PendingLoginSealer;
  readonly #names: { session: string; pending: string };

  constructor(deps: OidcLoginDeps) {
    this.#deps = deps;
    const entry = deps.issuers.find((i) => i.dashboard !== undefined);
    this.#dashboard =
      entry?.dashboard === undefined ? undefined : new Discovered(entry, entry.dashboard);
    this.#sealer = new PendingLoginSealer(entry?.dashboard?.clientSecret);
    this.#names = cookieNames(deps.tls);
  }

  /** The `authorization` value the session cookie stands for, if the request has one. */
  sessionAuthorization(req: IncomingMessage): string | undefined {
    const jwt = readCookie(req, this.#names.session);
    return jwt === undefined || jwt === '' ? undefined : `Bearer ${jwt}`;
  }

  /** `Set-Cookie` ending the session (sent with a 401 for a refused session). */
  clearSession(): string {
    return clearCookie(this.#names.session, this.#deps.tls);
  }

  /** What any client may learn without a token: where people sign in. */
  publicConfig(): unknown {
    return {
      oidc: this.#deps.issuers.map((i) => ({
        issuer: i.issuer,
        ...(i.cli === undefined ? {} : { cli_client_id: i.cli.clientId }),
        scopes: wantedScopes(i.claims ?? []),
        dashboard_login: i === this.#dashboard?.entry,
      })),
    };
  }

  /** Serves `/auth/login`, `/auth/callback`, `/auth/logout` and `/api/auth/config`. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const method = req.method ?? 'GET';
    const run = (fn: () => Promise<void>) => {
      fn().catch((err: unknown) => {
        this.#deps.log.error({ err, path }, 'sign-in request failed');
        if (!res.headersSent) page(res, 500, 'Sign-in failed', 'See the coordinator log.');
        else res.destroy();
      });
    };
    switch (path) {
      case '/api/auth/config':
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        sendJson(res, 200, this.publicConfig());
        return true;
      case '/auth/login':
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        run(() => this.#login(req, res));
        return true;
      case '/auth/callback':
        if (method !== 'GET') return methodNotAllowed(res, 'GET');
        run(() => this.#callback(req, res));
        return true;
      case '/auth/logout':
        if (method !== 'POST') return methodNotAllowed(res, 'POST');
        run(() => this.#logout(req, res));
        return true;
      default:
        return false;
    }
  }

  #origin(req: IncomingMessage): string {
    return `${this.#deps.tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  }

  async #login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#dashboard === undefined) {
      page(res, 404, 'Sign-in is not configured', 'Log in with a client token instead.');
      return;
    }
    let config: oidc.Configuration;
    try {
      config = await this.#dashboard.get();
    } catch (err) {
      this.#deps.log.warn({ err, issuer: this.#dashboard.entry.issuer }, 'issuer discovery failed');
      page(
        res,
        502,
        'Cannot reach the identity provider',
        `${this.#dashboard.entry.issuer} did not answer: ${(err as Error).message}`,
      );
      return;
    }
    const url = new URL(req.url ?? '/', this.#origin(req));
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const pending = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier,
      returnTo: safeReturnTo(url.searchParams.get('return')),
      expiresMs: this.#deps.clock() + PENDING_LOGIN_MS,
    };
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${this.#origin(req)}/auth/callback`,
      scope: scopesFor(
        wantedScopes(this.#dashboard.entry.claims ?? []),
        config.serverMetadata().scopes_supported,
      ).join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    res.writeHead(302, {
      location: target.href,
      'set-cookie': setCookie(
        this.#names.pending,
        this.#sealer.seal(pending),
        PENDING_LOGIN_MS / 1000,
        this.#deps.tls,
      ),
      'cache-control': 'no-store',
    });
    res.end();
  }

  async #callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clearPending = clearCookie(this.#names.pending, this.#deps.tls);
    const fail = (code: number, title: string, detail: string) =>
      page(res, code, title, detail, [clearPending]);
    if (this.#dashboard === undefined) {
      fail(404, 'Sign-in is not configured', 'Log in with a client token instead.');
      return;
    }
    const pending = this.#sealer.open(readCookie(req, this.#names.pending), this.#deps.clock());
    if ('refused' in pending) {
      fail(400, 'Sign-in not completed', `${pending.refused}: start again.`);
      return;
    }
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      const config = await this.#dashboard.get();
      tokens = await oidc.authorizationCodeGrant(
        config,
        new URL(req.url ?? '/', this.#origin(req)),
        {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
      );
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError) {
        fail(
          403,
          'Sign-in was refused',
          `The identity provider said ${err.error}: ${err.error_description ?? ''}`,
        );
        return;
      }
      this.#deps.log.warn({ err }, 'sign-in callback refused');
      fail(400, 'Sign-in not completed', (err as Error).message);
      return;
    }
    const idToken = tokens.id_token ?? '';
    if (Buffer.byteLength(idToken) > MAX_SESSION_TOKEN_BYTES) {
      fail(
        400,
        'Sign-in not completed',
        `the ID token has more than ${MAX_SESSION_TOKEN_BYTES} bytes, too many for a cookie`,
      );
      return;
    }
    // The same check as every later request: the verifier (signature against the issuer's JWKS,
    // issuer, audience, expiry) and the claim mapping to a principal.
    const authorization = `Bearer ${idToken}`;
    await this.#deps.tokens.prepare(authorization);
    const principal = this.#deps.tokens.authenticate(authorization);
    if (principal === undefined || principal.kind !== 'client') {
      const why = this.#deps.tokens.refusal(authorization);
      fail(
        403,
        'Sign-in was refused',
        `The coordinator does not accept this identity${why === undefined ? '' : `: ${why}`}.`,
      );
      return;
    }
    const expSeconds = Number(tokens.claims()?.exp ?? 0);
    const maxAgeS = expSeconds - this.#deps.clock() / 1000;
    this.#deps.log.info({ principal: principal.name }, 'signed in to the dashboard');
    res.writeHead(303, {
      location: `/${pending.returnTo}`,
      'set-cookie': [
        clearPending,
        setCookie(this.#names.session, idToken, maxAgeS, this.#deps.tls),
      ],
      'cache-control': 'no-store',
    });
    res.end();
  }

  async #logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!sameOriginRequest(req)) {
      sendJson(res, 403, { error: 'cross-site request refused' });
      return;
    }
    const session = readCookie(req, this.#names.session);
    let endSessionUrl: string | undefined;
    if (session !== undefined && session !== '' && this.#dashboard !== undefined) {
      try {
        const config = await this.#dashboard.get();
        if (config.serverMetadata().end_session_endpoint !== undefined) {
          endSessionUrl = oidc.buildEndSessionUrl(config, { id_token_hint: session }).href;
        }
      } catch {
        // The provider is away: the dashboard session ends all the same.
      }
    }
    res.setHeader('set-cookie', this.clearSession());
    sendJson(res, 200, endSessionUrl === undefined ? {} : { end_session_url: endSessionUrl });
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  res.setHeader('allow', allow);
  sendJson(res, 405, { error: `use ${allow}` });
  return true;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** A small page without scripts: why signing in stopped, and the way back. */
function page(
  res: ServerResponse,
  code: number,
  title: string,
  detail: string,
  cookies: readonly string[] = [],
): void {
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drover: ${escapeHtml(title)}</title>` +
    `<link rel="stylesheet" href="/static/style.css"></head><body><main class="login">` +
    `<h1>${escapeHtml(title)}</h1><p id="reason">${escapeHtml(detail)}</p>` +
    `<p><a href="/auth/login">Sign in again</a> · <a href="/">Back to the dashboard</a></p>` +
    `</main></body></html>`;
  res.writeHead(code, {
    ...PAGE_HEADERS,
    ...(cookies.length > 0 ? { 'set-cookie': [...cookies] } : {}),
  });
  res.end(body);
}
