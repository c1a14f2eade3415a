// The OAuth side of `drover login` (docs/auth.md "Signing in"): what the coordinator says about
// signing in (GET /api/auth/config on its HTTP port), the authorization code flow with PKCE over
// a loopback redirect (RFC 8252: a listener on 127.0.0.1, port 0; the URL is printed, nothing is
// opened), and the refresh of a cached login. The protocol work is openid-client's.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { CachedLogin } from './login-cache';

/** One issuer as `/api/auth/config` lists it. */
export interface AuthConfigIssuer {
  readonly issuer: string;
  readonly cli_client_id?: string;
  readonly scopes: readonly string[];
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string; exitCode: 1 | 2 };

/** The answer of a GET to the coordinator's HTTP port. */
export async function getJson(
  url: URL,
  opts: { readonly ca?: Buffer; readonly authorization?: string; readonly signal?: AbortSignal },
): Promise<{ status: number; body: unknown }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: {
          accept: 'application/json',
          ...(opts.authorization === undefined ? {} : { authorization: opts.authorization }),
        },
        ...(opts.ca === undefined ? {} : { ca: opts.ca }),
        timeout: 30_000,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', reject);
    req.end();
  });
}

/** The issuer `drover login` signs in with: `--issuer`'s, else the first with a CLI client. */
export async function discoverIssuer(
  http: URL,
  opts: { readonly ca?: Buffer; readonly issuer?: string },
): Promise<Outcome<AuthConfigIssuer & { readonly cli_client_id: string }>> {
  const url = new URL('/api/auth/config', http);
  let answer: { status: number; body: unknown };
  try {
    answer = await getJson(url, opts.ca === undefined ? {} : { ca: opts.ca });
  } catch (err) {
    return {
      ok: false,
      exitCode: 1,
      message:
        `cannot reach the coordinator's HTTP port at ${http.origin}: ${(err as Error).message}\n` +
        'Give its address with --http (or DROVER_HTTP), e.g. --http https://drover.example.com.',
    };
  }
  const list = (answer.body as { oidc?: unknown } | undefined)?.oidc;
  if (answer.status !== 200 || !Array.isArray(list)) {
    return {
      ok: false,
      exitCode: 1,
      message: `${url.href} answered ${answer.status} without a sign-in configuration: is it a Drover coordinator's HTTP port?`,
    };
  }
  const issuers = (list as AuthConfigIssuer[]).filter(
    (i) => typeof i.issuer === 'string' && typeof i.cli_client_id === 'string',
  ) as (AuthConfigIssuer & { cli_client_id: string })[];
  const chosen =
    opts.issuer === undefined ? issuers[0] : issuers.find((i) => i.issuer === opts.issuer);
  if (chosen === undefined) {
    return {
      ok: false,
      exitCode: 2,
      message:
        opts.issuer === undefined
          ? `the coordinator at ${http.origin} has no identity provider for the CLI ` +
            '(auth.oidc with a cli client, docs/auth.md): log in with a token instead'
          : `the coordinator at ${http.origin} has no CLI sign-in with issuer ${opts.issuer} ` +
            `(it has: ${issuers.map((i) => i.issuer).join(', ') || 'none'})`,
    };
  }
  return { ok: true, value: chosen };
}

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** The provider's endpoints for the CLI's (public) client. */
export async function discoverProvider(
  issuer: string,
  clientId: string,
): Promise<Outcome<oidc.Configuration>> {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return { ok: false, exitCode: 1, message: `the issuer ${issuer} is not a URL` };
  }
  try {
    const config = await oidc.discovery(url, clientId, undefined, oidc.None(), {
      // Plain HTTP only to a provider on this machine (tests, a dev setup).
      ...(isLoopbackHttp(url) ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 30,
    });
    return { ok: true, value: config };
  } catch (err) {
    return {
      ok: false,
      exitCode: 1,
      message: `cannot reach the identity provider at ${issuer}: ${describeOidcError(err)}`,
    };
  }
}

export function describeOidcError(err: unknown): string {
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) {
    return `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  }
  const e = err as Error & { cause?: Error };
  return e.cause?.message ? `${e.message} (${e.cause.message})` : e.message;
}

/** The page the browser lands on at the loopback listener. */
function landing(ok: boolean, text: string): string {
  const escaped = text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>drover login</title>` +
    `</head><body><h1>${ok ? 'Signed in' : 'Not signed in'}</h1><p id="result">${escaped}</p>` +
    `</body></html>`
  );
}

/** What the flow asks of the caller: print the URL, and how long to wait. */
export interface LoopbackFlowOptions {
  readonly config: oidc.Configuration;
  readonly scopes: readonly string[];
  /** Called once with the URL the person opens. */
  readonly showUrl: (url: string) => Promise<void>;
  /** Aborts the wait (Ctrl-C, the deadline). */
  readonly signal: AbortSignal;
}

/** Tokens and their ID token's claims. */
export type FlowTokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

/**
 * The authorization code flow with PKCE (S256) over a loopback redirect: listens on
 * 127.0.0.1:0, shows the URL, waits for the provider to send the browser back with a code
 * (state checked), exchanges it (ID token checked, nonce too) and closes the listener.
 */
export async function loopbackFlow(opts: LoopbackFlowOptions): Promise<Outcome<FlowTokens>> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  try {
    // Refresh tokens: `offline_access` where the provider has it (asked with prompt=consent, as
    // OpenID Connect Core §11 wants).
    // The coordinator's wanted scopes that the provider lists (without a list: the standard ones).
    const supported = opts.config.serverMetadata().scopes_supported;
    const scopes = opts.scopes.filter((s) =>
      s === 'openid'
        ? true
        : supported === undefined
          ? ['email', 'profile'].includes(s)
          : supported.includes(s),
    );
    if (!scopes.includes('openid')) scopes.unshift('openid');
    if (supported?.includes('offline_access') && !scopes.includes('offline_access')) {
      scopes.push('offline_access');
    }
    const url = oidc.buildAuthorizationUrl(opts.config, {
      redirect_uri: redirectUri,
      scope: scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(scopes.includes('offline_access') ? { prompt: 'consent' } : {}),
    });
    const back = new Promise<URL>((resolve, reject) => {
      server.on('request', (req, res) => {
        const got = new URL(req.url ?? '/', redirectUri);
        if (got.pathname !== '/callback') {
          res.writeHead(404).end();
          return;
        }
        const error = got.searchParams.get('error');
        const ok = error === null && got.searchParams.get('state') === state;
        res.writeHead(ok ? 200 : 400, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': "default-src 'none'",
        });
        res.end(
          landing(
            ok,
            ok
              ? 'drover login has the code; you can close this tab.'
              : `The sign-in did not complete: ${error ?? 'the state does not match'}.`,
          ),
        );
        if (ok || error !== null) resolve(got);
      });
      opts.signal.addEventListener('abort', () => reject(opts.signal.reason as Error), {
        once: true,
      });
    });
    await opts.showUrl(url.href);
    let callback: URL;
    try {
      callback = await back;
    } catch (err) {
      return { ok: false, exitCode: 1, message: (err as Error).message };
    }
    try {
      const tokens = await oidc.authorizationCodeGrant(opts.config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
      return { ok: true, value: tokens };
    } catch (err) {
      const denied = err instanceof oidc.AuthorizationResponseError;
      return {
        ok: false,
        exitCode: 1,
        message: denied
          ? `the identity provider refused the sign-in: ${describeOidcError(err)}`
          : `the sign-in failed: ${describeOidcError(err)}`,
      };
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** The cache entry for fresh tokens (the previous refresh token kept when none came). */
export function toCached(
  tokens: FlowTokens | Awaited<ReturnType<typeof oidc.refreshTokenGrant>>,
  base: { issuer: string; client_id: string; name: string; refresh_token?: string },
): CachedLogin | undefined {
  const idToken = tokens.id_token;
  const exp = tokens.claims()?.exp;
  if (idToken === undefined || typeof exp !== 'number') return undefined;
  const refresh = tokens.refresh_token ?? base.refresh_token;
  return {
    issuer: base.issuer,
    client_id: base.client_id,
    id_token: idToken,
    ...(refresh === undefined ? {} : { refresh_token: refresh }),
    expires_at: new Date(exp * 1000).toISOString(),
    name: base.name,
  };
}

/** A cached login whose ID token expired (or will within `marginMs`), refreshed; or why not. */
export async function refreshLogin(login: CachedLogin): Promise<Outcome<CachedLogin>> {
  if (login.refresh_token === undefined) {
    return { ok: false, exitCode: 1, message: 'it has no refresh token' };
  }
  const provider = await discoverProvider(login.issuer, login.client_id);
  if (!provider.ok) return provider;
  try {
    const tokens = await oidc.refreshTokenGrant(provider.value, login.refresh_token);
    const cached = toCached(tokens, login);
    if (cached === undefined) {
      return { ok: false, exitCode: 1, message: 'the provider sent no ID token' };
    }
    return { ok: true, value: cached };
  } catch (err) {
    return { ok: false, exitCode: 1, message: describeOidcError(err) };
  }
}

/** Asks the provider to forget a refresh token (best effort: the cache entry goes anyway). */
export async function revokeRefreshToken(login: CachedLogin): Promise<void> {
  if (login.refresh_token === undefined) return;
  const provider = await discoverProvider(login.issuer, login.client_id);
  if (!provider.ok || provider.value.serverMetadata().revocation_endpoint === undefined) return;
  try {
    await oidc.tokenRevocation(provider.value, login.refresh_token, {
      token_type_hint: 'refresh_token',
    });
  } catch {
    // Best effort.
  }
}
