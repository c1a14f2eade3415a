/**
 * OIDC JWTs as identities (issue 22, docs/auth.md "OIDC"): a JwtVerifier over `jose` — no crypto
 * of ours. Per configured issuer:
 *
 * - discovery: `<issuer>/.well-known/openid-configuration`, fetched once (at start, in the
 *   background, and again on first need after a failure, at most once per cooldown); its `issuer`
 *   must be the configured one;
 * - keys: `createRemoteJWKSet` on its `jwks_uri`: fetched once, kept (refreshed after 10 minutes),
 *   fetched again for an unknown `kid` at most once per `jwksCooldown` — never per request;
 * - checks: signature with an allowed asymmetric algorithm (never `none`, never HS*: a shared
 *   secret is not how an identity provider signs), `iss`, `aud` (one of the configured audiences),
 *   `exp` (required) and `nbf`, with 30 s of clock tolerance.
 *
 * The claims map to a client principal: its name from `principalClaim` (default `email`; an
 * `email_verified: false` is refused), its roles the union of the configured groups' roles for
 * the groups in `groupsClaim`. A user none of whose groups is configured is authenticated but
 * may do nothing.
 */
import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type RemoteJWKSet,
} from 'jose';
import type { JwtVerifier } from './identity';
import type { OidcIssuerConfig } from './oidc-config';
import { ANY_POOL, type Principal, type Role } from './principal';

/** Signature algorithms accepted: asymmetric ones only. */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Seconds a token's `exp`/`nbf` may be off the coordinator's clock. */
export const OIDC_CLOCK_TOLERANCE_SECS = 30;
/** A JWT longer than this is refused unread (docs/limits.md). */
export const MAX_JWT_CHARS = 16_384;
/**
 * The longest principal name a JWT may give (docs/limits.md): what a task's `user` and the audit
 * log's principal filter take.
 */
export const MAX_OIDC_PRINCIPAL_CHARS = 256;
/** Keys older than this are fetched again on the next use. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
/**
 * How long a refusal for an unknown `kid` holds: the issuer may just have rotated its key, which
 * the next fetch (once the cooldown allows it) brings; looking again costs no fetch before then.
 */
const UNKNOWN_KID_REFUSAL_MS = 1_000;
/** Time a discovery or key fetch may take. */
const FETCH_TIMEOUT_MS = 5_000;

type Verdict = Awaited<ReturnType<JwtVerifier['verify']>>;

export interface OidcVerifierOptions {
  readonly clock?: () => number;
  /** Where failures to reach an issuer are reported (logged by the coordinator). */
  readonly onIssuerError?: (issuer: string, err: Error) => void;
  /** Fetch for discovery and keys (tests count calls). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

interface IssuerState {
  readonly config: OidcIssuerConfig;
  jwks: RemoteJWKSet | undefined;
  discovering: Promise<RemoteJWKSet> | undefined;
  /** When discovery last failed (ms), and why: retried after the cooldown. */
  failedAtMs: number;
  failure: string;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

function refused(reason: string): Verdict {
  return { ok: false, reason };
}

/** Verifies JWTs of the configured issuers (see the file comment). */
export class OidcVerifier implements JwtVerifier {
  readonly #issuers = new Map<string, IssuerState>();
  readonly #clock: () => number;
  readonly #fetch: typeof fetch;
  readonly #onIssuerError: (issuer: string, err: Error) => void;

  constructor(issuers: readonly OidcIssuerConfig[], opts: OidcVerifierOptions = {}) {
    this.#clock = opts.clock ?? Date.now;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#onIssuerError = opts.onIssuerError ?? (() => {});
    for (const config of issuers) {
      this.#issuers.set(config.issuer, {
        config,
        jwks: undefined,
        discovering: undefined,
        failedAtMs: -Infinity,
        failure: '',
      });
    }
  }

  /** Fetches every issuer's discovery and keys now, so that the first sign-in does not wait. */
  async warmUp(): Promise<void> {
    await Promise.all(
      [...this.#issuers.values()].map(async (s) => {
        try {
          const jwks = await this.#keysOf(s);
          await jwks.reload();
        } catch {
          // Reported by #keysOf; tried again on first use.
        }
      }),
    );
  }

  /**
   * The principal of a JWT of a configured issuer, or why it is refused. Throws only when the
   * issuer (its discovery or keys) cannot be reached.
   */
  async verify(jwt: string): Promise<Verdict> {
    if (jwt.length > MAX_JWT_CHARS) {
      return refused(`malformed: a JWT is at most ${MAX_JWT_CHARS} characters`);
    }
    let alg: string | undefined;
    let claimed: JWTPayload;
    try {
      alg = decodeProtectedHeader(jwt).alg;
      claimed = decodeJwt(jwt);
    } catch (err) {
      return refused(`malformed: ${(err as Error).message}`);
    }
    if (alg === undefined || !(OIDC_ALGORITHMS as readonly string[]).includes(alg)) {
      return refused(
        `algorithm: ${JSON.stringify(alg ?? null)} is not allowed (allowed: ${OIDC_ALGORITHMS.join(', ')})`,
      );
    }
    const iss = claimed.iss;
    const state = iss === undefined ? undefined : this.#issuers.get(iss);
    if (state === undefined) {
      return refused(
        iss === undefined
          ? 'issuer: the token has no iss claim'
          : `issuer: ${JSON.stringify(iss)} is not a configured OIDC issuer`,
      );
    }
    // An issuer that cannot be reached is not the token's fault: thrown, so the refusal is kept
    // only briefly (tokens.ts) and the next use tries again.
    let jwks: RemoteJWKSet;
    try {
      jwks = await this.#keysOf(state);
    } catch (err) {
      throw new Error(`issuer ${state.config.issuer} is unreachable: ${(err as Error).message}`, {
        cause: err,
      });
    }
    // An unknown kid makes the key set fetch again unless its cooldown holds: then a refusal for
    // it says only "not yet" (a key rotation just after the last fetch), nothing of the token.
    const fetchesOnUnknownKid = !jwks.coolingDown;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, jwks, {
        issuer: state.config.issuer,
        audience: [...state.config.audiences],
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: OIDC_CLOCK_TOLERANCE_SECS,
        currentDate: new Date(this.#clock()),
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      const reason = this.#reasonOf(err, state);
      if (!(err instanceof errors.JWKSNoMatchingKey)) return refused(reason);
      return {
        ok: false,
        reason,
        retryAfterMs: UNKNOWN_KID_REFUSAL_MS,
        ...(fetchesOnUnknownKid ? {} : { unverified: true }),
      };
    }
    return this.#principalOf(payload, state.config);
  }

  #reasonOf(err: unknown, state: IssuerState): string {
    if (err instanceof errors.JWTExpired) return 'expired: the token has expired';
    if (err instanceof errors.JWTClaimValidationFailed) {
      switch (err.claim) {
        case 'aud':
          return `audience: the token is not for ${state.config.audiences.join(' or ')}`;
        case 'iss':
          return `issuer: the token is not from ${state.config.issuer}`;
        case 'nbf':
          return 'not yet valid: the token is not valid before its nbf';
        case 'exp':
          return 'expired: the token has no exp claim';
        default:
          return `claim ${err.claim}: ${err.message}`;
      }
    }
    if (err instanceof errors.JOSEAlgNotAllowed) return `algorithm: ${err.message}`;
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return 'signature: the signature does not verify with the issuer’s key';
    }
    if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
      return `signature: no key of ${state.config.issuer} matches the token's kid`;
    }
    // jose throws a plain JOSEError (no subclass) only when the key set's answer is not a 200 or
    // not JSON: the issuer's failure, like a timeout.
    if (
      err instanceof errors.JOSEError &&
      err.constructor !== errors.JOSEError &&
      !(err instanceof errors.JWKSTimeout) &&
      !(err instanceof errors.JWKSInvalid)
    ) {
      return `malformed: ${err.message}`;
    }
    // The keys could not be fetched (a timeout, connection refused, a non-200, not JSON): the
    // issuer's failure, not the token's; thrown as above.
    this.#onIssuerError(state.config.issuer, err as Error);
    throw new Error(
      `the keys of ${state.config.issuer} could not be fetched: ${(err as Error).message}`,
      { cause: err },
    );
  }

  #principalOf(payload: JWTPayload, config: OidcIssuerConfig): Verdict {
    const name = payload[config.principalClaim];
    if (typeof name !== 'string' || name === '') {
      return refused(`claim ${config.principalClaim}: missing or not a string`);
    }
    // The name is shown in the audit log, task lists and logs, as one line each: a line break
    // or an escape sequence in it could forge entries on an admin's terminal.
    if (/\p{Cc}/u.test(name)) {
      return refused(`claim ${config.principalClaim}: has control characters`);
    }
    if (name.length > MAX_OIDC_PRINCIPAL_CHARS) {
      return refused(
        `claim ${config.principalClaim}: at most ${MAX_OIDC_PRINCIPAL_CHARS} characters, got ${name.length}`,
      );
    }
    if (config.principalClaim === 'email' && payload['email_verified'] === false) {
      return refused('claim email_verified: the email address is not verified');
    }
    const rawGroups = payload[config.groupsClaim];
    const groups =
      typeof rawGroups === 'string'
        ? [rawGroups]
        : Array.isArray(rawGroups)
          ? rawGroups.filter((g): g is string => typeof g === 'string')
          : [];
    const roles = new Map<string, Set<Role>>();
    for (const group of groups) {
      for (const [pool, granted] of config.groups.get(group) ?? []) {
        const held = roles.get(pool) ?? new Set<Role>();
        for (const r of granted) held.add(r);
        roles.set(pool, held);
      }
    }
    const principal: Principal = {
      kind: 'client',
      name,
      admin: roles.get(ANY_POOL)?.has('admin') ?? false,
      roles,
      forcedDimensions: {},
      botIdPatterns: [],
      source: 'oidc',
      expiresMs: payload.exp! * 1000,
    };
    return { ok: true, principal, expiresMs: principal.expiresMs! };
  }

  /** The issuer's key set, after discovery (one discovery at a time; a failure waits a cooldown). */
  async #keysOf(state: IssuerState): Promise<RemoteJWKSet> {
    if (state.jwks !== undefined) return state.jwks;
    if (state.discovering !== undefined) return state.discovering;
    const sinceFailure = this.#clock() - state.failedAtMs;
    if (sinceFailure < Math.max(state.config.jwksCooldownMs, 1000)) {
      throw new Error(state.failure);
    }
    state.discovering = this.#discover(state.config).then(
      (jwks) => {
        state.jwks = jwks;
        state.discovering = undefined;
        return jwks;
      },
      (err: unknown) => {
        state.discovering = undefined;
        state.failedAtMs = this.#clock();
        state.failure = (err as Error).message;
        this.#onIssuerError(state.config.issuer, err as Error);
        throw err;
      },
    );
    return state.discovering;
  }

  async #discover(config: OidcIssuerConfig): Promise<RemoteJWKSet> {
    const url = `${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let doc: unknown;
    try {
      const res = await this.#fetch(url, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: 'error',
        headers: { accept: 'application/json' },
      });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      doc = await res.json();
    } catch (err) {
      throw new Error(`discovery failed: ${(err as Error).message}`, { cause: err });
    }
    const d = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
    if (d['issuer'] !== config.issuer) {
      throw new Error(
        `discovery at ${url} names issuer ${JSON.stringify(d['issuer'])}, not ${config.issuer}`,
      );
    }
    let jwksUri: URL;
    try {
      jwksUri = new URL(String(d['jwks_uri']));
    } catch {
      throw new Error(`discovery at ${url} has no valid jwks_uri`);
    }
    if (jwksUri.protocol !== 'https:' && !(jwksUri.protocol === 'http:' && isLoopback(jwksUri))) {
      throw new Error(`discovery at ${url}: jwks_uri ${jwksUri.href} is not https`);
    }
    return createRemoteJWKSet(jwksUri, {
      cooldownDuration: config.jwksCooldownMs,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      timeoutDuration: FETCH_TIMEOUT_MS,
      [customFetch]: (u, init) => this.#fetch(u, init),
    });
  }
}
