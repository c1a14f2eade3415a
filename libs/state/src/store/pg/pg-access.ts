// Tokens, principals and bot groups managed live, and the audit log, of the PostgreSQL store (see
// AccessStore, AuditStore). Every write to the access tables runs in one transaction with its
// `access` note (pg_notify, sent at commit), so that the other replicas reload them; last-used
// times and the audit log notify nobody.
import type { Pool, PoolClient } from 'pg';
import type {
  AccessTokenRecord,
  AuditQuery,
  AuditRecord,
  NewAuditRecord,
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
import { inTransaction } from './pg-tx';

/**
 * After an upsert: whether it inserted the row (a subject created anew) rather than updated one.
 * Decided by the write itself, so a concurrent delete or put cannot slip between a read and it. A
 * subject created anew starts without tokens: live ones of its name, left from an earlier subject
 * (deleted while a CreateToken for it was in flight, or a name since removed from the tokens
 * file), are revoked in the same transaction instead of coming back to life as the new one's.
 */
const INSERTED = '(xmax = 0) AS inserted';

/** [channel, payload] of the `access` note, for `SELECT pg_notify($1, $2)`. */
export type AccessNotify = readonly [string, string];

async function notify(c: PoolClient, note: AccessNotify): Promise<void> {
  await c.query('SELECT pg_notify($1, $2)', [...note]);
}

export async function insertAccessToken(
  pool: Pool,
  t: AccessTokenRecord,
  note: AccessNotify,
): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const { rowCount } = await c.query(
      `INSERT INTO access_tokens (${ACCESS_TOKEN_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
      accessTokenValues(t),
    );
    if (rowCount !== 1) return false;
    await notify(c, note);
    return true;
  });
}

export async function revokeAccessToken(
  pool: Pool,
  id: string,
  nowMs: number,
  by: string,
  note: AccessNotify,
): Promise<AccessTokenRecord | undefined> {
  return inTransaction(pool, async (c) => {
    const { rowCount } = await c.query(
      `UPDATE access_tokens SET revoked_ms = $2, revoked_by = $3
       WHERE id = $1 AND revoked_ms = 0`,
      [id, nowMs, by],
    );
    if (rowCount === 1) await notify(c, note);
    const { rows } = await c.query<AccessTokenRow>(
      `SELECT ${ACCESS_TOKEN_COLUMNS} FROM access_tokens WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? undefined : rowToAccessToken(rows[0]);
  });
}

export async function touchAccessTokens(
  pool: Pool,
  used: readonly { id: string; lastUsedMs: number }[],
): Promise<void> {
  const latest = latestUse(used);
  await pool.query(
    `UPDATE access_tokens t SET last_used_ms = u.ms
     FROM unnest($1::text[], $2::bigint[]) AS u (id, ms)
     WHERE t.id = u.id AND t.last_used_ms < u.ms`,
    [[...latest.keys()], [...latest.values()]],
  );
}

export async function listAccessTokens(pool: Pool): Promise<AccessTokenRecord[]> {
  const { rows } = await pool.query<AccessTokenRow>(
    `SELECT ${ACCESS_TOKEN_COLUMNS} FROM access_tokens ORDER BY created_ms, id`,
  );
  return rows.map(rowToAccessToken);
}

export async function putPrincipal(
  pool: Pool,
  p: StoredPrincipal,
  note: AccessNotify,
): Promise<void> {
  await inTransaction(pool, async (c) => {
    const put = await c.query<{ inserted: boolean }>(
      `INSERT INTO access_principals (name, admin, roles, description, updated_ms, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET admin = excluded.admin, roles = excluded.roles,
         description = excluded.description, updated_ms = excluded.updated_ms,
         updated_by = excluded.updated_by
       RETURNING ${INSERTED}`,
      [p.name, p.admin, JSON.stringify(p.roles), p.description, p.updatedMs, p.updatedBy],
    );
    if (put.rows[0]?.inserted === true) {
      await revokeTokensOf(c, 'principal', p.name, p.updatedMs, p.updatedBy);
    }
    await notify(c, note);
  });
}

export async function listPrincipals(pool: Pool): Promise<StoredPrincipal[]> {
  const { rows } = await pool.query<PrincipalRow>(
    `SELECT name, admin, roles, description, updated_ms, updated_by
     FROM access_principals ORDER BY name`,
  );
  return rows.map(rowToPrincipal);
}

export async function putBotGroup(
  pool: Pool,
  g: StoredBotGroup,
  note: AccessNotify,
): Promise<void> {
  await inTransaction(pool, async (c) => {
    const put = await c.query<{ inserted: boolean }>(
      `INSERT INTO access_bot_groups (name, bot_ids, dimensions, description, updated_ms,
         updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET bot_ids = excluded.bot_ids,
         dimensions = excluded.dimensions, description = excluded.description,
         updated_ms = excluded.updated_ms, updated_by = excluded.updated_by
       RETURNING ${INSERTED}`,
      [
        g.name,
        JSON.stringify(g.botIds),
        JSON.stringify(g.dimensions),
        g.description,
        g.updatedMs,
        g.updatedBy,
      ],
    );
    if (put.rows[0]?.inserted === true) {
      await revokeTokensOf(c, 'bot_group', g.name, g.updatedMs, g.updatedBy);
    }
    await notify(c, note);
  });
}

export async function listBotGroups(pool: Pool): Promise<StoredBotGroup[]> {
  const { rows } = await pool.query<BotGroupRow>(
    `SELECT name, bot_ids, dimensions, description, updated_ms, updated_by
     FROM access_bot_groups ORDER BY name`,
  );
  return rows.map(rowToBotGroup);
}

/**
 * Deletes the principal or bot group `name` and revokes its tokens not yet revoked, in one
 * transaction with the note. Nothing is written for an unknown name.
 */
export async function deleteSubject(
  pool: Pool,
  kind: 'principal' | 'bot_group',
  name: string,
  nowMs: number,
  by: string,
  note: AccessNotify,
): Promise<{ deleted: boolean; tokens: number }> {
  const table = kind === 'principal' ? 'access_principals' : 'access_bot_groups';
  return inTransaction(pool, async (c) => {
    const deleted = await c.query(`DELETE FROM ${table} WHERE name = $1`, [name]);
    if (deleted.rowCount !== 1) return { deleted: false, tokens: 0 };
    const tokens = await revokeTokensOf(c, kind, name, nowMs, by);
    await notify(c, note);
    return { deleted: true, tokens };
  });
}

/** Revokes the subject's tokens not yet revoked; how many. */
async function revokeTokensOf(
  c: PoolClient,
  kind: 'principal' | 'bot_group',
  name: string,
  nowMs: number,
  by: string,
): Promise<number> {
  const revoked = await c.query(
    `UPDATE access_tokens SET revoked_ms = $3, revoked_by = $4
     WHERE kind = $1 AND subject = $2 AND revoked_ms = 0`,
    [kind, name, nowMs, by],
  );
  return revoked.rowCount ?? 0;
}

export async function appendAudit(pool: Pool, entries: readonly NewAuditRecord[]): Promise<void> {
  // One statement: the entries get increasing ids in their order.
  await pool.query(
    `INSERT INTO audit_log (time_ms, principal, peer, action, target, details, result, pool)
     SELECT t, pr, pe, a, ta, d, r, po FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
       $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS e (t, pr, pe, a, ta, d, r, po, n)
     ORDER BY n`,
    [
      entries.map((e) => e.timeMs),
      entries.map((e) => e.principal),
      entries.map((e) => e.peer),
      entries.map((e) => e.action),
      entries.map((e) => e.target),
      entries.map((e) => e.details),
      entries.map((e) => e.result),
      entries.map((e) => e.pool),
    ],
  );
}

export async function listAudit(pool: Pool, q: AuditQuery): Promise<AuditRecord[]> {
  const params = new SqlParams((n) => `$${n}`);
  const text = auditListSql(q, params, (n) => `left(action, ${n}::int)`);
  if (text === undefined) return [];
  const { rows } = await pool.query<AuditRow>(text, params.values);
  return rows.map(rowToAudit);
}

export async function pruneAudit(pool: Pool, beforeMs: number, limit: number): Promise<number> {
  const n = auditLimit(limit);
  if (n === 0) return 0;
  const { rowCount } = await pool.query(
    `DELETE FROM audit_log WHERE id IN (
       SELECT id FROM audit_log WHERE time_ms < $1 ORDER BY time_ms, id LIMIT $2)`,
    [beforeMs, n],
  );
  return rowCount ?? 0;
}
