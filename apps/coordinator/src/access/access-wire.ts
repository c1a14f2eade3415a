/**
 * Service Access's messages from what the store and the tokens file hold (pure). A token is
 * listed without its secret or its hash; the tokens file's entries with `read_only` set.
 */
import { msToTimestamp, type AuthConfig } from '@drover/protocol';
import type {
  AccessBotGroup,
  AccessPrincipal,
  AccessToken,
  RoleList,
  Timestamp,
} from '@drover/protocol';
import type { AccessTokenRecord, PoolRoles, StoredBotGroup, StoredPrincipal } from '@drover/state';

/** 0 means "never" (unset). */
function ts(ms: number): Timestamp | null {
  return ms === 0 ? null : msToTimestamp(ms);
}

export function roleListsOf(roles: PoolRoles): Record<string, RoleList> {
  return Object.fromEntries(
    Object.entries(roles).map(([pool, granted]) => [pool, { roles: [...granted] }]),
  );
}

export function tokenWire(t: AccessTokenRecord, lastUsedMs: number): AccessToken {
  return {
    id: t.id,
    kind: t.kind,
    subject: t.subject,
    description: t.description,
    scope: roleListsOf(t.scope),
    created: ts(t.createdMs),
    created_by: t.createdBy,
    expires: ts(t.expiresMs),
    revoked: ts(t.revokedMs),
    revoked_by: t.revokedBy,
    last_used: ts(Math.max(t.lastUsedMs, lastUsedMs)),
    read_only: false,
  };
}

/**
 * The tokens file's tokens, one per hash: `file:<name>` (`file:<name>:<n>` when a principal has
 * several during a rotation).
 */
export function fileTokensWire(file: AuthConfig): AccessToken[] {
  const out: AccessToken[] = [];
  const add = (kind: 'principal' | 'bot_group', name: string, count: number) => {
    for (let i = 0; i < count; i++) {
      out.push({
        id: count === 1 ? `file:${name}` : `file:${name}:${i + 1}`,
        kind,
        subject: name,
        description: 'the tokens file',
        scope: {},
        read_only: true,
      });
    }
  };
  for (const p of file.principals) add('principal', p.name, p.sha256.length);
  for (const g of file.botGroups) add('bot_group', g.name, g.sha256.length);
  return out;
}

export function principalWire(p: StoredPrincipal): AccessPrincipal {
  return {
    name: p.name,
    admin: p.admin,
    roles: roleListsOf(p.roles),
    description: p.description,
    read_only: false,
    updated: ts(p.updatedMs),
    updated_by: p.updatedBy,
  };
}

export function filePrincipalsWire(file: AuthConfig): AccessPrincipal[] {
  return file.principals.map((p) => ({
    name: p.name,
    admin: p.admin,
    roles: roleListsOf(p.roles),
    description: 'the tokens file',
    read_only: true,
  }));
}

function dimensionsWire(d: Readonly<Record<string, readonly string[]>>) {
  return Object.entries(d)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, values]) => ({ key, values: [...values] }));
}

export function groupWire(g: StoredBotGroup): AccessBotGroup {
  return {
    name: g.name,
    bot_ids: [...g.botIds],
    dimensions: dimensionsWire(g.dimensions),
    description: g.description,
    read_only: false,
    updated: ts(g.updatedMs),
    updated_by: g.updatedBy,
  };
}

export function fileGroupsWire(file: AuthConfig): AccessBotGroup[] {
  return file.botGroups.map((g) => ({
    name: g.name,
    bot_ids: [...g.botIds],
    dimensions: dimensionsWire(g.dimensions),
    description: 'the tokens file',
    read_only: true,
  }));
}
