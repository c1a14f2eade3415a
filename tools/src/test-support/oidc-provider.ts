/**
 * A real OpenID Connect provider for tests (the `oidc-provider` package) on 127.0.0.1:0, shared by
 * the coordinator's and the CLI's tests (issue 22). Test-only: nothing in apps/ or libs/ imports it
 * outside their test/ folders.
 *
 * - Clients: the dashboard's (confidential, `client_secret_basic`, authorization code + PKCE,
 *   redirect URIs set by the test) and the CLI's (public, native, loopback redirect
 *   `http://127.0.0.1/callback` on any port per RFC 8252 §7.3, refresh tokens with
 *   `offline_access`).
 * - Users: alice@example.com (group ci-admins) and bob@example.com (group ci-viewers); the ID token
 *   carries `email` and `groups` when the scopes `email` and `groups` are asked for.
 * - Sign-in uses the provider's development interactions: a login form taking any password, then
 *   a consent form. `loginAs` drives them headlessly with fetch; a browser test fills them in.
 * - `rotateKeys()` switches the signing key (a new `kid`) at the same address; the previous key
 *   stays published in the JWKS unless asked otherwise, as a provider rotating keys does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Configuration, default as ProviderClass } from 'oidc-provider';

export const OIDC_TEST_USERS = {
  alice: { email: 'alice@example.com', groups: ['ci-admins'] },
  bob: { email: 'bob@example.com', groups: ['ci-viewers'] },
} as const;

export type OidcTestUser = keyof typeof OIDC_TEST_USERS;

/** The scopes that put `email` and `groups` in the ID token. */
export const OIDC_TEST_SCOPES = 'openid email groups';

export interface OidcTestProviderOptions {
  /** Redirect URIs of the dashboard's client (changeable later with setDashboardRedirectUris). */
  readonly dashboardRedirectUris?: readonly string[];
  /** Post-logout redirect URIs of the dashboard's client. */
  readonly dashboardPostLogoutRedirectUris?: readonly string[];
  /** Lifetime of ID tokens in seconds (default 3600). */
  readonly idTokenTtlSeconds?: number;
  /** Lifetime of access tokens in seconds (default 3600). */
  readonly accessTokenTtlSeconds?: number;
}

export interface OidcTokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresIn: number;
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256';
  /** The private JWK (with `d`): tests sign crafted tokens with it (jose's SignJWT). */
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export interface OidcTestProvider {
  /** The issuer, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly issuer: string;
  readonly dashboard: { readonly clientId: string; readonly clientSecret: string };
  readonly cli: { readonly clientId: string; readonly redirectUri: string };
  /** The key the provider signs with now. */
  signingKey(): SigningKey;
  /** How many times its JWKS was fetched (a verifier must cache it, not fetch it per token). */
  jwksRequests(): number;
  /** Replaces the dashboard client's redirect URIs (e.g. once the dashboard's port is known). */
  setDashboardRedirectUris(uris: readonly string[], postLogoutUris?: readonly string[]): void;
  /**
   * Signs in as `user` through the code flow with PKCE (login and consent forms, by fetch) and
   * returns the tokens. The CLI's client by default (its ID token's `aud` is the CLI client id);
   * `offlineAccess` asks for a refresh token.
   */
  loginAs(
    user: OidcTestUser | string,
    options?: { client?: 'cli' | 'dashboard'; offlineAccess?: boolean; scope?: string },
  ): Promise<OidcTokens>;
  /** A new signing key (new kid) at the same address; the old one stays published unless dropped. */
  rotateKeys(options?: { dropPrevious?: boolean }): Promise<SigningKey>;
  /** While true, its key set (/jwks) answers 503 (the rest of the provider works). */
  failKeySet(failing: boolean): void;
  stop(): Promise<void>;
}

const DASHBOARD_CLIENT_ID = 'drover-dashboard';
const DASHBOARD_CLIENT_SECRET = 'drover-dashboard-test-secret';
const CLI_CLIENT_ID = 'drover-cli';
const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

async function newSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `k-${randomBytes(6).toString('hex')}`;
  const meta = { kid, alg: 'RS256', use: 'sig' } as const;
  return {
    kid,
    alg: 'RS256',
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

// The package warns that its development interactions and in-memory adapter are on, and that
// Node 20 is not an LTS it supports (it works there: this file's tests run on Node 20): those are
// what a test fixture wants, so those warnings, and only those, are dropped.
const EXPECTED_WARNINGS = ['devInteractions', 'in-memory adapter', 'Unsupported runtime'];

function filteredWarn(warn: typeof console.warn): typeof console.warn {
  return (...args: unknown[]) => {
    const text = String(args[0]);
    if (!EXPECTED_WARNINGS.some((w) => text.includes(w))) warn(...args);
  };
}

function quietlySync<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = filteredWarn(warn);
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = filteredWarn(warn);
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

function base64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/** Starts the provider on 127.0.0.1:0. */
export async function startOidcTestProvider(
  options: OidcTestProviderOptions = {},
): Promise<OidcTestProvider> {
  let keys: SigningKey[] = [await newSigningKey()];
  let dashboardRedirectUris = [...(options.dashboardRedirectUris ?? ['http://127.0.0.1/unset'])];
  let dashboardPostLogoutUris = [...(options.dashboardPostLogoutRedirectUris ?? [])];
  const cookieKeys = [randomBytes(32).toString('hex')];

  const Provider = await quietly(async () => (await import('oidc-provider')).default);
  let handle: ReturnType<ProviderClass['callback']> | undefined;
  let jwksRequests = 0;
  let keySetFailing = false;
  const server: Server = createServer((req, res) => {
    const isKeySet = (req.url ?? '').split('?')[0] === '/jwks';
    if (isKeySet) jwksRequests++;
    if (handle === undefined || (isKeySet && keySetFailing)) {
      res.statusCode = 503;
      res.end();
      return;
    }
    void handle(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const byEmail = new Map<string, { email: string; groups: readonly string[] }>(
    Object.values(OIDC_TEST_USERS).map((u) => [u.email, u]),
  );

  // A provider is configured once; rotating keys or changing a client builds a new one behind the
  // same server. Grants, sessions and refresh tokens live in the package's in-memory adapter,
  // which is shared by every instance, so they survive the swap.
  const build = (): void => {
    const configuration: Configuration = {
      clients: [
        {
          client_id: DASHBOARD_CLIENT_ID,
          client_secret: DASHBOARD_CLIENT_SECRET,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: dashboardRedirectUris,
          post_logout_redirect_uris: dashboardPostLogoutUris,
        },
        {
          client_id: CLI_CLIENT_ID,
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: [CLI_REDIRECT_URI],
        },
      ],
      jwks: { keys: keys.map((k) => k.privateJwk) } as Configuration['jwks'],
      cookies: { keys: cookieKeys },
      scopes: ['openid', 'offline_access', 'email', 'groups'],
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        groups: ['groups'],
      },
      // Claims asked for by scope go in the ID token too (not only in userinfo): the coordinator
      // reads `email` and `groups` from the token it is given.
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      ttl: {
        IdToken: options.idTokenTtlSeconds ?? 3600,
        AccessToken: options.accessTokenTtlSeconds ?? 3600,
        RefreshToken: 86_400,
        Interaction: 600,
        Session: 86_400,
        Grant: 86_400,
      },
      features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
      findAccount: (_ctx, sub) => {
        const user = byEmail.get(sub);
        if (user === undefined) return undefined;
        return {
          accountId: sub,
          claims: () => ({
            sub,
            email: user.email,
            email_verified: true,
            groups: [...user.groups],
          }),
        };
      },
    };
    handle = quietlySync(() => new Provider(issuer, configuration).callback());
  };
  build();

  const loginAs: OidcTestProvider['loginAs'] = async (user, opts = {}) => {
    const email =
      user in OIDC_TEST_USERS ? OIDC_TEST_USERS[user as OidcTestUser].email : (user as string);
    const client = opts.client ?? 'cli';
    const clientId = client === 'cli' ? CLI_CLIENT_ID : DASHBOARD_CLIENT_ID;
    const redirectUri = client === 'cli' ? CLI_REDIRECT_URI : dashboardRedirectUris[0]!;
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    const state = base64url(randomBytes(12));
    const scope = (opts.scope ?? OIDC_TEST_SCOPES) + (opts.offlineAccess ? ' offline_access' : '');
    const auth = new URL('/auth', issuer);
    auth.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope,
      state,
      nonce: base64url(randomBytes(12)),
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...(opts.offlineAccess ? { prompt: 'consent' } : {}),
    }).toString();

    // Cookies by name: the provider's are path-scoped, but one flow never needs two of a name.
    const jar = new Map<string, string>();
    const step = async (url: string, body?: URLSearchParams): Promise<string> => {
      const res = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        redirect: 'manual',
        headers: {
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(body === undefined ? {} : { body: body.toString() }),
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
        else jar.set(name, value);
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || location === null) {
        throw new Error(`OIDC test login: ${url} answered ${res.status}: ${await res.text()}`);
      }
      return new URL(location, url).toString();
    };

    let next = await step(auth.toString());
    for (let hops = 0; hops < 10 && !next.startsWith(redirectUri); hops++) {
      const m = /\/interaction\/([^/?#]+)$/.exec(new URL(next).pathname);
      if (m === null) {
        next = await step(next);
        continue;
      }
      // Which prompt: the form's hidden field says (login, then consent).
      const page = await fetch(next, {
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      const html = await page.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (prompt === 'login') {
        next = await step(
          next,
          new URLSearchParams({ prompt: 'login', login: email, password: 'any' }),
        );
      } else if (prompt === 'consent') {
        next = await step(next, new URLSearchParams({ prompt: 'consent' }));
      } else {
        throw new Error(`OIDC test login: unexpected interaction page: ${html.slice(0, 500)}`);
      }
    }
    const back = new URL(next);
    const code = back.searchParams.get('code');
    if (code === null || back.searchParams.get('state') !== state) {
      throw new Error(`OIDC test login: no code in the redirect ${next}`);
    }
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (client === 'cli') form.set('client_id', CLI_CLIENT_ID);
    else {
      const basic = `${encodeURIComponent(DASHBOARD_CLIENT_ID)}:${encodeURIComponent(DASHBOARD_CLIENT_SECRET)}`;
      headers['authorization'] = `Basic ${Buffer.from(basic).toString('base64')}`;
    }
    const tokenRes = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers,
      body: form.toString(),
    });
    const body = (await tokenRes.json()) as Record<string, unknown>;
    if (!tokenRes.ok || typeof body['id_token'] !== 'string') {
      throw new Error(`OIDC test login: token endpoint answered ${JSON.stringify(body)}`);
    }
    return {
      idToken: body['id_token'],
      accessToken: body['access_token'] as string,
      ...(typeof body['refresh_token'] === 'string' ? { refreshToken: body['refresh_token'] } : {}),
      expiresIn: body['expires_in'] as number,
    };
  };

  return {
    issuer,
    dashboard: { clientId: DASHBOARD_CLIENT_ID, clientSecret: DASHBOARD_CLIENT_SECRET },
    cli: { clientId: CLI_CLIENT_ID, redirectUri: CLI_REDIRECT_URI },
    signingKey: () => keys[0]!,
    jwksRequests: () => jwksRequests,
    setDashboardRedirectUris(uris, postLogoutUris) {
      dashboardRedirectUris = [...uris];
      if (postLogoutUris !== undefined) dashboardPostLogoutUris = [...postLogoutUris];
      build();
    },
    loginAs,
    failKeySet(failing) {
      keySetFailing = failing;
    },
    async rotateKeys(opts = {}) {
      const fresh = await newSigningKey();
      keys = opts.dropPrevious ? [fresh] : [fresh, keys[0]!];
      build();
      return fresh;
    },
    async stop() {
      handle = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
