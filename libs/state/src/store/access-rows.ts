// Rows of the access tables and the audit log, the same columns in both adapters: what each
// column holds and the record a decoded row reads as. Each adapter decodes its driver's values
// (SQLite: JSON text and 0/1; PostgreSQL: parsed JSONB and BOOLEAN) into these rows.
import type {
  AccessTokenKind,
  AccessTokenRecord,
  AuditQuery,
  AuditRecord,
  PoolRoles,
  StoredBotGroup,
  StoredPrincipal,
} from './access-store';
import { whereSql, type SqlParams } from './sql-params';

export interface AccessTokenRow {
  id: string;
  hash: string;
  kind: string;
  subject: string;
  description: string;
  scope: PoolRoles;
  created_ms: number;
  created_by: string;
  expires_ms: number;
  revoked_ms: number;
  revoked_by: string;
  last_used_ms: number;
}

/** The columns of access_tokens, in the order accessTokenValues gives their values. */
export const ACCESS_TOKEN_COLUMNS = `id, hash, kind, subject, description, scope, created_ms,
  created_by, expires_ms, revoked_ms, revoked_by, last_used_ms`;

/** `t`'s values for an INSERT of ACCESS_TOKEN_COLUMNS, the scope as JSON text. */
export function accessTokenValues(t: AccessTokenRecord): (string | number)[] {
  return [
    t.id,
    t.hash,
    t.kind,
    t.subject,
    t.description,
    JSON.stringify(t.scope),
    t.createdMs,
    t.createdBy,
    t.expiresMs,
    t.revokedMs,
    t.revokedBy,
    t.lastUsedMs,
  ];
}

export function rowToAccessToken(row: AccessTokenRow): AccessTokenRecord {
  return {
    id: row.id,
    hash: row.hash,
    kind: row.kind as AccessTokenKind,
    subject: row.subject,
    description: row.description,
    scope: row.scope,
    createdMs: row.created_ms,
    createdBy: row.created_by,
    expiresMs: row.expires_ms,
    revokedMs: row.revoked_ms,
    revokedBy: row.revoked_by,
    lastUsedMs: row.last_used_ms,
  };
}

export interface PrincipalRow {
  name: string;
  admin: boolean;
  roles: PoolRoles;
  description: string;
  updated_ms: number;
  updated_by: string;
}

export function rowToPrincipal(row: PrincipalRow): StoredPrincipal {
  return {
    name: row.name,
    admin: row.admin,
    roles: row.roles,
    description: row.description,
    updatedMs: row.updated_ms,
    updatedBy: row.updated_by,
  };
}

export interface BotGroupRow {
  name: string;
  bot_ids: string[];
  dimensions: Record<string, string[]>;
  description: string;
  updated_ms: number;
  updated_by: string;
}

export function rowToBotGroup(row: BotGroupRow): StoredBotGroup {
  return {
    name: row.name,
    botIds: row.bot_ids,
    dimensions: row.dimensions,
    description: row.description,
    updatedMs: row.updated_ms,
    updatedBy: row.updated_by,
  };
}

export interface AuditRow {
  id: number;
  time_ms: number;
  principal: string;
  peer: string;
  action: string;
  target: string;
  details: string;
  result: string;
  pool: string;
}

export function rowToAudit(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    timeMs: row.time_ms,
    principal: row.principal,
    peer: row.peer,
    action: row.action,
    target: row.target,
    details: row.details,
    result: row.result,
    pool: row.pool,
  };
}

/** A page size as a whole number of at least 0 (0 lists nothing). */
export function auditLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/**
 * listAudit's statement in the adapter's dialect (`params` makes its placeholders): newest first,
 * time in [sinceMs, untilMs), the principal exactly, the action exactly or by a prefix ending in
 * `.`, the pool among `pools`, ids below `beforeId`. `prefix(n)` is the SQL of the first `n`
 * characters of the action. Undefined when nothing can match (no pool allowed, limit 0).
 */
export function auditListSql(
  q: AuditQuery,
  params: SqlParams,
  prefix: (n: string) => string,
): string | undefined {
  const limit = auditLimit(q.limit);
  if (limit === 0 || (q.pools !== undefined && q.pools.length === 0)) return undefined;
  const where: string[] = [];
  if (q.sinceMs !== undefined) where.push(`time_ms >= ${params.add(q.sinceMs)}`);
  if (q.untilMs !== undefined) where.push(`time_ms < ${params.add(q.untilMs)}`);
  if (q.principal !== undefined) where.push(`principal = ${params.add(q.principal)}`);
  if (q.action !== undefined && q.action !== '') {
    where.push(
      q.action.endsWith('.')
        ? `${prefix(params.add(q.action.length))} = ${params.add(q.action)}`
        : `action = ${params.add(q.action)}`,
    );
  }
  if (q.pools !== undefined) where.push(`pool IN (${params.list(q.pools)})`);
  if (q.beforeId !== undefined) where.push(`id < ${params.add(q.beforeId)}`);
  return `SELECT * FROM audit_log ${whereSql(where)} ORDER BY id DESC LIMIT ${params.add(limit)}`;
}

/** The highest lastUsedMs asked for each id (a batch may name an id twice). */
export function latestUse(
  used: readonly { id: string; lastUsedMs: number }[],
): Map<string, number> {
  const byId = new Map<string, number>();
  for (const u of used) byId.set(u.id, Math.max(byId.get(u.id) ?? 0, u.lastUsedMs));
  return byId;
}
