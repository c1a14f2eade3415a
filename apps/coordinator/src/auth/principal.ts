/**
 * Who is calling, and what they may do (DESIGN.md §4 "Auth"). Pure: no I/O.
 *
 * Roles are granted per pool; the pool `*` stands for every pool. `admin` in a pool implies the
 * other roles there; a server-wide admin has every role everywhere.
 */
import { matchesBotIdGlobs } from '@drover/protocol';

export const ROLES = ['view', 'submit', 'cancel', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type PrincipalKind = 'client' | 'bot';

/** Every pool. */
export const ANY_POOL = '*';

export interface Principal {
  readonly kind: PrincipalKind;
  readonly name: string;
  /** Server-wide admin: every role in every pool. */
  readonly admin: boolean;
  /** Clients: roles per pool (`*` = every pool). Empty for bots. */
  readonly roles: ReadonlyMap<string, ReadonlySet<Role>>;
  /** Bots: dimensions the server forces on every bot of this group (at least pool). */
  readonly forcedDimensions: Readonly<Record<string, readonly string[]>>;
  /** Bots: glob patterns (`*` wildcard) a bot id must match; empty = any id. */
  readonly botIdPatterns: readonly string[];
  /** Where the identity came from: the tokens file, a token of the store, an OIDC JWT. */
  readonly source?: 'file' | 'store' | 'oidc';
  /** A store token's id (`tok-…`): revoking it ends what it authenticated (bot sessions). */
  readonly tokenId?: string;
  /**
   * An OIDC JWT's expiry (ms since the epoch): a live socket or stream it opened ends then
   * (TokenAuthority.msLeft).
   */
  readonly expiresMs?: number;
}

function grants(p: Principal, pool: string, role: Role): boolean {
  const roles = p.roles.get(pool);
  return roles !== undefined && (roles.has(role) || roles.has('admin'));
}

/**
 * Whether `p` has `role` in every one of `pools`. A task or bot without a pool (`pools` empty)
 * needs the role on `*`.
 */
export function can(p: Principal, role: Role, pools: readonly string[]): boolean {
  if (p.kind !== 'client') return false;
  if (p.admin) return true;
  if (grants(p, ANY_POOL, role)) return true;
  if (pools.length === 0) return false;
  return pools.every((pool) => grants(p, pool, role));
}

/**
 * The pools in which `p` has `role`: 'all' when it holds the role everywhere, otherwise the list
 * (possibly empty). Used to filter listings so they reveal nothing about other pools.
 */
export function poolsWith(p: Principal, role: Role): 'all' | string[] {
  if (p.kind !== 'client') return [];
  if (p.admin || grants(p, ANY_POOL, role)) return 'all';
  const out: string[] = [];
  for (const pool of p.roles.keys()) if (grants(p, pool, role)) out.push(pool);
  return out.sort();
}

/** Whether a bot of `p`'s group may use `botId` (its `botIds` patterns; none = any id). */
export function mayUseBotId(p: Principal, botId: string): boolean {
  return p.kind === 'bot' && matchesBotIdGlobs(p.botIdPatterns, botId);
}
