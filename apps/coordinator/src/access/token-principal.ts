/**
 * The principal a token of the store stands for (pure): its subject — a principal or a bot group,
 * of the store or of the tokens file — narrowed by the token's scope.
 */
import type { AccessTokenRecord, PoolRoles, StoredBotGroup, StoredPrincipal } from '@drover/state';
import { ANY_POOL, ROLES, type Principal, type Role } from '../auth/principal';

/** A subject as the authority knows it, wherever it is defined. */
export interface SubjectPrincipal {
  readonly name: string;
  readonly admin: boolean;
  readonly roles: PoolRoles;
}

export interface SubjectGroup {
  readonly name: string;
  readonly botIds: readonly string[];
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
}

function isRole(r: string): r is Role {
  return (ROLES as readonly string[]).includes(r);
}

/** Every role `roles` grants (admin in a pool implies the others). */
function expand(roles: Iterable<string>): Set<Role> {
  const out = new Set<Role>();
  for (const r of roles) if (isRole(r)) out.add(r);
  return out.has('admin') ? new Set(ROLES) : out;
}

/** The roles `roles` grants in `pool`: its own and those of `*`. */
function rolesIn(roles: PoolRoles, pool: string): Set<Role> {
  return expand([...(roles[pool] ?? []), ...(pool === ANY_POOL ? [] : (roles[ANY_POOL] ?? []))]);
}

/**
 * Roles per pool of a subject narrowed to a scope: in each pool, what both grant there (each
 * counting its `*` roles as granted in every pool). A server-wide admin grants everything, so a
 * scoped token of an admin has exactly its scope.
 */
export function narrowRoles(
  subject: { readonly admin: boolean; readonly roles: PoolRoles },
  scope: PoolRoles,
): Map<string, Set<Role>> {
  const pools = new Set([...Object.keys(scope), ...Object.keys(subject.roles)]);
  const out = new Map<string, Set<Role>>();
  for (const pool of pools) {
    const allowed = rolesIn(scope, pool);
    const held = subject.admin ? new Set(ROLES) : rolesIn(subject.roles, pool);
    const both = new Set([...allowed].filter((r) => held.has(r)));
    if (both.size > 0) out.set(pool, both);
  }
  return out;
}

function toRoleMap(roles: PoolRoles): Map<string, Set<Role>> {
  return new Map(
    Object.entries(roles).map(([pool, granted]) => [pool, new Set(granted.filter(isRole))]),
  );
}

/** A principal of the store (or the tokens file) authenticated by the token `tokenId`. */
export function clientPrincipal(
  subject: SubjectPrincipal,
  scope: PoolRoles,
  tokenId: string,
): Principal {
  const scoped = Object.keys(scope).length > 0;
  return {
    kind: 'client',
    name: subject.name,
    admin: subject.admin && !scoped,
    roles: scoped ? narrowRoles(subject, scope) : toRoleMap(subject.roles),
    forcedDimensions: {},
    botIdPatterns: [],
    source: 'store',
    tokenId,
  };
}

export function botPrincipal(group: SubjectGroup, tokenId: string): Principal {
  return {
    kind: 'bot',
    name: group.name,
    admin: false,
    roles: new Map(),
    forcedDimensions: group.dimensions,
    botIdPatterns: group.botIds,
    source: 'store',
    tokenId,
  };
}

/** Why a token of the store is not accepted now, or undefined when it is. */
export function tokenRefusal(t: AccessTokenRecord, nowMs: number): string | undefined {
  if (t.revokedMs !== 0) {
    return `token ${t.id} was revoked at ${new Date(t.revokedMs).toISOString()}`;
  }
  if (t.expiresMs !== 0 && t.expiresMs <= nowMs) {
    return `token ${t.id} expired at ${new Date(t.expiresMs).toISOString()}`;
  }
  return undefined;
}

/** The subjects a token may name: the store's and the tokens file's, by name. */
export interface Subjects {
  readonly principals: ReadonlyMap<string, SubjectPrincipal>;
  readonly groups: ReadonlyMap<string, SubjectGroup>;
}

/** The principal of a token, or why it has none (its subject no longer exists). */
export function principalOfToken(
  t: AccessTokenRecord,
  subjects: Subjects,
): { principal: Principal } | { refused: string } {
  if (t.kind === 'principal') {
    const p = subjects.principals.get(t.subject);
    if (p === undefined) return { refused: `principal ${t.subject} of token ${t.id} is gone` };
    return { principal: clientPrincipal(p, t.scope, t.id) };
  }
  const g = subjects.groups.get(t.subject);
  if (g === undefined) return { refused: `bot group ${t.subject} of token ${t.id} is gone` };
  return { principal: botPrincipal(g, t.id) };
}

/** Store records as subjects (the tokens file's entries are added by the authority). */
export function storeSubjects(
  principals: readonly StoredPrincipal[],
  groups: readonly StoredBotGroup[],
): { principals: Map<string, SubjectPrincipal>; groups: Map<string, SubjectGroup> } {
  return {
    principals: new Map(principals.map((p) => [p.name, p])),
    groups: new Map(groups.map((g) => [g.name, g])),
  };
}
