import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { dirname, extname, join } from 'node:path';
import {
  checkAuthConfig,
  hashToken,
  newToken,
  type AuthConfig,
  type AuthRole,
} from '@drover/protocol';
import type { AccessTokenRecord, StoredBotGroup, StoredPrincipal } from '@drover/state';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  principalOfToken,
  tokenRefusal,
  type SubjectGroup,
  type SubjectPrincipal,
} from '../access/token-principal';
import { ConfigError } from '../config';
import { looksLikeJwt, type JwtVerifier } from './identity';
import type { Principal, Role } from './principal';

export { hashToken, newToken };
export type { Principal, PrincipalKind } from './principal';

/** The tokens file as the coordinator holds it (a version 1 file is read as version 2). */
export type TokensFile = AuthConfig;

// The protocol's role list and the principal's must stay the same list.
const SAME_ROLES: [AuthRole, Role] extends [Role, AuthRole] ? true : never = true;
void SAME_ROLES;

/** What the store holds about access, as last read (access/live-access.ts reads it). */
export interface StoreAccess {
  readonly tokens: readonly AccessTokenRecord[];
  readonly principals: readonly StoredPrincipal[];
  readonly groups: readonly StoredBotGroup[];
}

const NO_STORE_ACCESS: StoreAccess = { tokens: [], principals: [], groups: [] };

/** JWTs kept verified (and refusals remembered), least recently used dropped first. */
export const MAX_CACHED_JWTS = 10_000;
/** How long a refused JWT's reason is remembered (its next use is verified again after). */
const JWT_REFUSAL_MS = 60_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2_147_483_647;

interface LiveToken {
  readonly record: AccessTokenRecord;
  /** Undefined when its subject no longer exists (the reason is `gone`). */
  readonly principal: Principal | undefined;
  readonly gone: string;
}

/** A Map used as a bounded LRU: get moves the entry to the end, set evicts the oldest. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, v);
    return v;
  }
  set(key: string, v: V): void {
    this.#map.delete(key);
    this.#map.set(key, v);
    while (this.#map.size > this.max) {
      const [oldest] = this.#map.keys();
      this.#map.delete(oldest!);
    }
  }
  clear(): void {
    this.#map.clear();
  }
}

function bearerOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return m === null ? undefined : m[1];
}

/**
 * Who a bearer token is (DESIGN.md §4 "Auth", docs/auth.md). Only hashes are kept, so a lookup
 * reveals nothing about other tokens. Three sources, looked up in this order:
 *
 * 1. the tokens file, read at start (`source: 'file'`): the seed and static setups; listed by
 *    service Access as read-only;
 * 2. the store's tokens, principals and bot groups (`source: 'store'`, `tokenId` set), replaced
 *    whole by `setStoreAccess` each time access/live-access.ts reads them (at start, after this
 *    coordinator's own writes, on the change feed's `access` and `resync` notes); a revoked or
 *    expired token (`expiresMs` ≤ the clock) is refused, a scoped one has its subject's roles
 *    narrowed to the scope;
 * 3. JWTs (OIDC, `source: 'oidc'`) verified by the JwtVerifier and kept until they expire.
 *
 * The API the edges use (the gRPC interceptor, the HTTP, Connect and dashboard handlers):
 *
 * - `await prepare(authorization)` before a handler runs: for a JWT (`looksLikeJwt`), verifies it
 *   with the verifier of `setJwtVerifier` — once: concurrent calls share one verification — and
 *   keeps the principal until the JWT's expiry (at most MAX_CACHED_JWTS, the least recently used
 *   dropped first); a refusal is kept for a minute. Never throws. Opaque `drv_` tokens need no
 *   preparation (it returns at once).
 * - `authenticate(authorization)`: synchronous, every handler calls it; the principal or
 *   undefined. A JWT is found only once prepared.
 * - `refusal(authorization)`: why `authenticate` refuses that value, for the UNAUTHENTICATED
 *   message (`token tok-… was revoked at …`, `… expired at …`, the verifier's reason, `no OIDC
 *   issuer is configured`…); undefined when there is nothing to add to "missing or invalid".
 * - `setJwtVerifier(v)`: the OIDC verifier (auth/oidc.ts); without one, JWTs are refused.
 *
 * `events` emits `changed` after the store's access was replaced and when a token of the store
 * expires: bot sessions opened with a token that no longer works are ended then
 * (access/token-sessions.ts).
 */
export class TokenAuthority {
  readonly events = new EventEmitter<{ changed: [] }>();
  readonly #file: TokensFile;
  readonly #fileByHash = new Map<string, Principal>();
  readonly #filePrincipals = new Map<string, SubjectPrincipal>();
  readonly #fileGroups = new Map<string, SubjectGroup>();
  readonly #clock: () => number;
  #storeAccess: StoreAccess = NO_STORE_ACCESS;
  #storeByHash = new Map<string, LiveToken>();
  #storeById = new Map<string, LiveToken>();
  /** Uses of store tokens not yet written (id → when), and every use seen since start. */
  #unwritten = new Map<string, number>();
  readonly #lastUsed = new Map<string, number>();
  #expiryTimer: NodeJS.Timeout | undefined;
  #verifier: JwtVerifier | undefined;
  /** By the JWT's hash: its principal until it expires, or why it was refused. */
  readonly #jwts = new Lru<
    | { readonly ok: true; readonly principal: Principal; readonly expiresMs: number }
    | {
        readonly ok: false;
        readonly reason: string;
        readonly untilMs: number;
        /**
         * Not verified because the issuer was out of reach, or its key could not be fetched yet
         * (the issuer's cooldown): not the token's fault.
         */
        readonly unverified?: true;
      }
  >(MAX_CACHED_JWTS);
  readonly #verifying = new Map<string, Promise<void>>();

  constructor(file: TokensFile, opts: { readonly clock?: () => number } = {}) {
    // One listener per open WatchTasks stream of a store token, beside the bot sessions' and the
    // dashboard's: no "possible leak" warning past ten.
    this.events.setMaxListeners(0);
    this.#file = file;
    this.#clock = opts.clock ?? Date.now;
    for (const p of file.principals) {
      const principal: Principal = {
        kind: 'client',
        name: p.name,
        admin: p.admin,
        roles: new Map(Object.entries(p.roles).map(([pool, roles]) => [pool, new Set(roles)])),
        forcedDimensions: {},
        botIdPatterns: [],
        source: 'file',
      };
      for (const h of p.sha256) this.#fileByHash.set(h, principal);
      this.#filePrincipals.set(p.name, p);
    }
    for (const g of file.botGroups) {
      const principal: Principal = {
        kind: 'bot',
        name: g.name,
        admin: false,
        roles: new Map(),
        forcedDimensions: g.dimensions,
        botIdPatterns: g.botIds,
        source: 'file',
      };
      for (const h of g.sha256) this.#fileByHash.set(h, principal);
      this.#fileGroups.set(g.name, g);
    }
  }

  /** The principal of an `authorization: Bearer <token>` value, or undefined. */
  authenticate(authorization: string | undefined): Principal | undefined {
    const bearer = bearerOf(authorization);
    if (bearer === undefined) return undefined;
    if (looksLikeJwt(bearer)) {
      const known = this.#jwts.get(hashToken(bearer));
      return known?.ok === true && known.expiresMs > this.#clock() ? known.principal : undefined;
    }
    const hash = hashToken(bearer);
    const fromFile = this.#fileByHash.get(hash);
    if (fromFile !== undefined) return fromFile;
    const live = this.#storeByHash.get(hash);
    if (live?.principal === undefined) return undefined;
    const nowMs = this.#clock();
    if (tokenRefusal(live.record, nowMs) !== undefined) return undefined;
    this.#used(live.record.id, nowMs);
    return live.principal;
  }

  /** Why `authenticate` refuses this value; undefined when there is nothing more to say. */
  refusal(authorization: string | undefined): string | undefined {
    if (authorization === undefined || authorization.trim() === '') return undefined;
    const bearer = bearerOf(authorization);
    if (bearer === undefined) return 'the authorization header must be "Bearer <token>"';
    if (looksLikeJwt(bearer)) {
      if (this.#verifier === undefined) return 'a JWT, but no OIDC issuer is configured';
      const known = this.#jwts.get(hashToken(bearer));
      if (known === undefined) return 'a JWT not verified yet';
      if (!known.ok) return known.reason;
      return known.expiresMs > this.#clock()
        ? undefined
        : `the JWT expired at ${new Date(known.expiresMs).toISOString()}`;
    }
    const live = this.#storeByHash.get(hashToken(bearer));
    if (live === undefined) return undefined;
    if (live.principal === undefined) return live.gone;
    return tokenRefusal(live.record, this.#clock());
  }

  /**
   * Whether `authenticate` refuses this JWT only because it could not be verified just now (its
   * issuer's keys out of reach, or its key not fetched yet while the issuer's cooldown holds), not
   * for anything wrong with the token: a dashboard session is kept then, to work again once the
   * issuer answers or the cooldown ends.
   */
  unverified(authorization: string | undefined): boolean {
    const bearer = bearerOf(authorization);
    if (bearer === undefined || !looksLikeJwt(bearer)) return false;
    const known = this.#jwts.get(hashToken(bearer));
    return known !== undefined && !known.ok && known.unverified === true;
  }

  /**
   * Readies `authenticate` for this value: a JWT is verified (or found verified) and kept until
   * it expires. Never throws; a refusal is what `refusal` then says.
   */
  async prepare(authorization: string | undefined): Promise<void> {
    const bearer = bearerOf(authorization);
    if (bearer === undefined || !looksLikeJwt(bearer)) return;
    const verifier = this.#verifier;
    if (verifier === undefined) return;
    const key = hashToken(bearer);
    const known = this.#jwts.get(key);
    const nowMs = this.#clock();
    if (known !== undefined && (known.ok ? known.expiresMs > nowMs : known.untilMs > nowMs)) {
      return;
    }
    let verifying = this.#verifying.get(key);
    if (verifying === undefined) {
      verifying = this.#verify(verifier, key, bearer).finally(() => this.#verifying.delete(key));
      this.#verifying.set(key, verifying);
    }
    await verifying;
  }

  async #verify(verifier: JwtVerifier, key: string, jwt: string): Promise<void> {
    try {
      const out = await verifier.verify(jwt);
      const nowMs = this.#clock();
      if (!out.ok) {
        const holdMs = Math.min(JWT_REFUSAL_MS, out.retryAfterMs ?? JWT_REFUSAL_MS);
        this.#jwts.set(key, {
          ok: false,
          reason: out.reason,
          untilMs: nowMs + holdMs,
          ...(out.unverified === true ? { unverified: true } : {}),
        });
      } else if (out.expiresMs <= nowMs) {
        const reason = `the JWT expired at ${new Date(out.expiresMs).toISOString()}`;
        this.#jwts.set(key, { ok: false, reason, untilMs: nowMs + JWT_REFUSAL_MS });
      } else {
        this.#jwts.set(key, { ok: true, principal: out.principal, expiresMs: out.expiresMs });
      }
    } catch (err) {
      // A verifier reports refusals as data; a throw is a failure to verify (kept briefly).
      const reason = `the JWT could not be verified: ${(err as Error).message}`;
      this.#jwts.set(key, { ok: false, reason, untilMs: this.#clock() + 5_000, unverified: true });
    }
  }

  /** The OIDC verifier (auth/oidc.ts); undefined refuses every JWT. Forgets verified JWTs. */
  setJwtVerifier(verifier: JwtVerifier | undefined): void {
    this.#verifier = verifier;
    this.#jwts.clear();
  }

  /** The tokens file as read at start (service Access lists it as read-only). */
  get file(): TokensFile {
    return this.#file;
  }

  /** Whether the tokens file defines a principal (or a bot group) of that name. */
  inFile(kind: 'principal' | 'bot_group', name: string): boolean {
    return (kind === 'principal' ? this.#filePrincipals : this.#fileGroups).has(name);
  }

  /** The store's access as last read. */
  get storeAccess(): StoreAccess {
    return this.#storeAccess;
  }

  /**
   * Replaces what the store defines (tokens, principals, bot groups), as just read from it, and
   * emits `changed`. A name of the tokens file wins over the store's.
   */
  setStoreAccess(access: StoreAccess): void {
    const principals = new Map<string, SubjectPrincipal>(access.principals.map((p) => [p.name, p]));
    for (const [name, p] of this.#filePrincipals) principals.set(name, p);
    const groups = new Map<string, SubjectGroup>(access.groups.map((g) => [g.name, g]));
    for (const [name, g] of this.#fileGroups) groups.set(name, g);
    const byHash = new Map<string, LiveToken>();
    const byId = new Map<string, LiveToken>();
    for (const record of access.tokens) {
      const found = principalOfToken(record, { principals, groups });
      const live: LiveToken =
        'principal' in found
          ? { record, principal: found.principal, gone: '' }
          : { record, principal: undefined, gone: found.refused };
      byHash.set(record.hash, live);
      byId.set(record.id, live);
      if (record.lastUsedMs > (this.#lastUsed.get(record.id) ?? 0)) {
        this.#lastUsed.set(record.id, record.lastUsedMs);
      }
    }
    // Tokens no longer in the store (none are deleted today) take their last use with them.
    for (const id of this.#lastUsed.keys()) if (!byId.has(id)) this.#lastUsed.delete(id);
    this.#storeAccess = access;
    this.#storeByHash = byHash;
    this.#storeById = byId;
    this.#scheduleExpiry();
    this.events.emit('changed');
  }

  /** What the token `tokenId` of the store authenticates now, or why it no longer does. */
  storeToken(tokenId: string): { principal: Principal } | { refused: string } {
    const live = this.#storeById.get(tokenId);
    if (live === undefined) return { refused: `token ${tokenId} no longer exists` };
    if (live.principal === undefined) return { refused: live.gone };
    const refused = tokenRefusal(live.record, this.#clock());
    return refused === undefined ? { principal: live.principal } : { refused };
  }

  /**
   * How long `p` stays authenticated by its own expiry (a JWT's `exp`), in ms from now on the
   * authority's clock; undefined when it has none (a store token's expiry emits `changed`).
   */
  msLeft(p: Principal): number | undefined {
    return p.expiresMs === undefined ? undefined : Math.max(0, p.expiresMs - this.#clock());
  }

  /** When a token of the store was last accepted, as far as this replica knows (0 = never). */
  lastUsedMs(tokenId: string): number {
    return this.#lastUsed.get(tokenId) ?? 0;
  }

  /** The uses not yet written to the store (each token once, its latest), and forgets them. */
  takeUnwrittenUses(): { id: string; lastUsedMs: number }[] {
    const out = [...this.#unwritten].map(([id, lastUsedMs]) => ({ id, lastUsedMs }));
    this.#unwritten = new Map();
    return out;
  }

  /** Stops the expiry timer. */
  close(): void {
    if (this.#expiryTimer !== undefined) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
  }

  #used(tokenId: string, nowMs: number): void {
    this.#unwritten.set(tokenId, nowMs);
    this.#lastUsed.set(tokenId, nowMs);
  }

  /** `changed` is emitted again when the next active token expires. */
  #scheduleExpiry(): void {
    this.close();
    const nowMs = this.#clock();
    let nextMs = Infinity;
    for (const { record } of this.#storeById.values()) {
      if (record.revokedMs === 0 && record.expiresMs > nowMs) {
        nextMs = Math.min(nextMs, record.expiresMs);
      }
    }
    if (nextMs === Infinity) return;
    this.#expiryTimer = setTimeout(
      () => {
        this.#expiryTimer = undefined;
        this.#scheduleExpiry();
        this.events.emit('changed');
      },
      Math.min(MAX_TIMER_MS, nextMs - nowMs + 1),
    );
    this.#expiryTimer.unref();
  }
}

/** YAML for `.yaml` / `.yml` files, JSON otherwise. */
export function isYamlPath(path: string): boolean {
  return ['.yaml', '.yml'].includes(extname(path).toLowerCase());
}

/**
 * Loads the tokens file. When it does not exist, creates a version 2 file with one server-wide
 * admin and one bot group taking any bot id, and writes the plain tokens beside it (client.token,
 * bot.token, mode 0600) so that the CLI and a local bot find them: the zero-configuration
 * quickstart.
 */
export function loadOrCreateTokens(tokensFile: string): { file: TokensFile; created: boolean } {
  if (existsSync(tokensFile)) return { file: readTokensFile(tokensFile), created: false };
  const dir = dirname(tokensFile);
  mkdirSync(dir, { recursive: true });
  const client = newToken('client');
  const bot = newToken('bot');
  writeFileSync(join(dir, 'client.token'), `${client}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'bot.token'), `${bot}\n`, { mode: 0o600 });
  const written = {
    version: 2,
    principals: [{ name: 'local-admin', sha256: hashToken(client), admin: true }],
    botGroups: [{ name: 'local-bots', sha256: hashToken(bot), botIds: ['*'] }],
  };
  const text = isYamlPath(tokensFile)
    ? stringifyYaml(written)
    : `${JSON.stringify(written, null, 2)}\n`;
  writeFileSync(tokensFile, text, { mode: 0o600 });
  return { file: readTokensFile(tokensFile), created: true };
}

/** Reads and checks a tokens file; any problem is a ConfigError naming the file and field. */
export function readTokensFile(path: string): TokensFile {
  const yaml = isYamlPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`tokens-file: cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `tokens-file: ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    );
  }
  const checked = checkAuthConfig(parsed);
  if (!checked.ok) throw new ConfigError(`tokens-file: ${path}: ${checked.problem}`);
  return checked.config;
}
