// Tokens, principals and bot groups managed live, and the audit log, of the SQLite store (see
// AccessStore, AuditStore): plain functions over its statement cache; the store runs the writes
// inside its group commit, the multi-statement ones as transaction functions (savepoints there).
import type {
  AccessTokenRecord,
  AuditQuery,
  AuditRecord,
  NewAuditRecord,
  PoolRoles,
  StoredBotGroup,
  StoredPrincipal,
} from '../access-store';
import {
  ACCESS_TOKEN_COLUMNS,
  accessTokenValues,
  auditLimit,
  auditListSql,
  latestUse,
  rowToAccessToken,
  rowToAudit,
  rowToBotGroup,
  rowToPrincipal,
  type AccessTokenRow,
  type AuditRow,
  type BotGroupRow,
  type PrincipalRow,
} from '../access-rows';
import { SqlParams } from '../sql-params';
import type { StatementCache } from './statement-cache';

type SqliteTokenRow = Omit<AccessTokenRow, 'scope'> & { scope: string };
type SqlitePrincipalRow = Omit<PrincipalRow, 'admin' | 'roles'> & { admin: number; roles: string };
type SqliteBotGroupRow = Omit<BotGroupRow, 'bot_ids' | 'dimensions'> & {
  bot_ids: string;
  dimensions: string;
};

function token(row: SqliteTokenRow): AccessTokenRecord {
  return rowToAccessToken({ ...row, scope: JSON.parse(row.scope) as PoolRoles });
}

export function insertAccessToken(sql: StatementCache, t: AccessTokenRecord): boolean {
  return (
    sql
      .get(
        `INSERT INTO access_tokens (${ACCESS_TOKEN_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(...accessTokenValues(t)).changes === 1
  );
}

export function getAccessToken(sql: StatementCache, id: string): AccessTokenRecord | undefined {
  const row = sql.get<[string], SqliteTokenRow>('SELECT * FROM access_tokens WHERE id = ?').get(id);
  return row === undefined ? undefined : token(row);
}

/** Run inside a transaction: the update and the read see the same row. */
export function revokeAccessToken(
  sql: StatementCache,
  id: string,
  nowMs: number,
  by: string,
): AccessTokenRecord | undefined {
  sql
    .get<[number, string, string]>(
      'UPDATE access_tokens SET revoked_ms = ?, revoked_by = ? WHERE id = ? AND revoked_ms = 0',
    )
    .run(nowMs, by, id);
  return getAccessToken(sql, id);
}

/** Run inside a transaction (one statement per token). */
export function touchAccessTokens(
  sql: StatementCache,
  used: readonly { id: string; lastUsedMs: number }[],
): void {
  const touch = sql.get<[number, string, number]>(
    'UPDATE access_tokens SET last_used_ms = ? WHERE id = ? AND last_used_ms < ?',
  );
  for (const [id, ms] of latestUse(used)) touch.run(ms, id, ms);
}

export function listAccessTokens(sql: StatementCache): AccessTokenRecord[] {
  return sql
    .get<[], SqliteTokenRow>('SELECT * FROM access_tokens ORDER BY created_ms, id')
    .all()
    .map(token);
}

/** Run inside a transaction: a principal created anew starts without tokens (revokeLeftovers). */
export function putPrincipal(sql: StatementCache, p: StoredPrincipal): void {
  revokeLeftovers(sql, 'principal', p.name, p.updatedMs, p.updatedBy);
  sql
    .get(
      `INSERT INTO access_principals (name, admin, roles, description, updated_ms, updated_by)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET admin = excluded.admin, roles = excluded.roles,
         description = excluded.description, updated_ms = excluded.updated_ms,
         updated_by = excluded.updated_by`,
    )
    .run(p.name, p.admin ? 1 : 0, JSON.stringify(p.roles), p.description, p.updatedMs, p.updatedBy);
}

export function listPrincipals(sql: StatementCache): StoredPrincipal[] {
  return sql
    .get<[], SqlitePrincipalRow>('SELECT * FROM access_principals ORDER BY name')
    .all()
    .map((row) =>
      rowToPrincipal({
        ...row,
        admin: row.admin === 1,
        roles: JSON.parse(row.roles) as PoolRoles,
      }),
    );
}

/** Run inside a transaction: a bot group created anew starts without tokens (revokeLeftovers). */
export function putBotGroup(sql: StatementCache, g: StoredBotGroup): void {
  revokeLeftovers(sql, 'bot_group', g.name, g.updatedMs, g.updatedBy);
  sql
    .get(
      `INSERT INTO access_bot_groups (name, bot_ids, dimensions, description, updated_ms,
         updated_by)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET bot_ids = excluded.bot_ids,
         dimensions = excluded.dimensions, description = excluded.description,
         updated_ms = excluded.updated_ms, updated_by = excluded.updated_by`,
    )
    .run(
      g.name,
      JSON.stringify(g.botIds),
      JSON.stringify(g.dimensions),
      g.description,
      g.updatedMs,
      g.updatedBy,
    );
}

export function listBotGroups(sql: StatementCache): StoredBotGroup[] {
  return sql
    .get<[], SqliteBotGroupRow>('SELECT * FROM access_bot_groups ORDER BY name')
    .all()
    .map((row) =>
      rowToBotGroup({
        ...row,
        bot_ids: JSON.parse(row.bot_ids) as string[],
        dimensions: JSON.parse(row.dimensions) as Record<string, string[]>,
      }),
    );
}

/**
 * Deletes the principal or bot group `name` and revokes its tokens not yet revoked. Run inside a
 * transaction. Nothing is written for an unknown name.
 */
export function deleteSubject(
  sql: StatementCache,
  kind: 'principal' | 'bot_group',
  name: string,
  nowMs: number,
  by: string,
): { deleted: boolean; tokens: number } {
  const table = kind === 'principal' ? 'access_principals' : 'access_bot_groups';
  const deleted = sql.get<[string]>(`DELETE FROM ${table} WHERE name = ?`).run(name).changes === 1;
  if (!deleted) return { deleted: false, tokens: 0 };
  return { deleted: true, tokens: revokeTokensOf(sql, kind, name, nowMs, by) };
}

/** Revokes the subject's tokens not yet revoked; how many. */
function revokeTokensOf(
  sql: StatementCache,
  kind: 'principal' | 'bot_group',
  name: string,
  nowMs: number,
  by: string,
): number {
  return sql
    .get<[number, string, string, string]>(
      `UPDATE access_tokens SET revoked_ms = ?, revoked_by = ?
       WHERE kind = ? AND subject = ? AND revoked_ms = 0`,
    )
    .run(nowMs, by, kind, name).changes;
}

/**
 * Before a subject's row is written: when no subject of that name is stored, the live tokens of
 * the name are left from an earlier one (deleted while a CreateToken for it was in flight, or a
 * name since removed from the tokens file) and are revoked, so that they do not come back to life
 * as the new subject's.
 */
function revokeLeftovers(
  sql: StatementCache,
  kind: 'principal' | 'bot_group',
  name: string,
  nowMs: number,
  by: string,
): void {
  const table = kind === 'principal' ? 'access_principals' : 'access_bot_groups';
  const stored = sql.get<[string]>(`SELECT 1 FROM ${table} WHERE name = ?`).get(name);
  if (stored === undefined) revokeTokensOf(sql, kind, name, nowMs, by);
}

/** Run inside a transaction (one statement per entry). */
export function appendAudit(sql: StatementCache, entries: readonly NewAuditRecord[]): void {
  const insert = sql.get(
    `INSERT INTO audit_log (time_ms, principal, peer, action, target, details, result, pool)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const e of entries) {
    insert.run(e.timeMs, e.principal, e.peer, e.action, e.target, e.details, e.result, e.pool);
  }
}

export function listAudit(sql: StatementCache, q: AuditQuery): AuditRecord[] {
  const params = new SqlParams(() => '?');
  const text = auditListSql(q, params, (n) => `substr(action, 1, ${n})`);
  if (text === undefined) return [];
  return sql
    .get<unknown[], AuditRow>(text)
    .all(...params.values)
    .map(rowToAudit);
}

export function pruneAudit(sql: StatementCache, beforeMs: number, limit: number): number {
  const n = auditLimit(limit);
  if (n === 0) return 0;
  return sql
    .get<[number, number]>(
      `DELETE FROM audit_log WHERE id IN (
         SELECT id FROM audit_log WHERE time_ms < ? ORDER BY time_ms, id LIMIT ?)`,
    )
    .run(beforeMs, n).changes;
}
