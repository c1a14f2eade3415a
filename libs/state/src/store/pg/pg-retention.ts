// Retention of the PostgreSQL store (see RetentionStore). Space: plain DELETEs; autovacuum marks
// the dead rows reusable, so the tables stop growing at a steady load.
import type { Pool, PoolClient } from 'pg';
import type { StoredTaskState } from '../../task/task-state';
import { PURGE_BATCH_MAX, type PurgeTasksRequest, type PurgeTasksResult } from '../retention-store';
import { TASK_OWNED_TABLES } from '../task-owned-tables';
import { inTransaction } from './pg-tx';

const FINAL = `state NOT IN ('PENDING', 'RUNNING')`;

/** The pools of final tasks, one index seek each (a loose scan of tasks_final_by_pool_end). */
const FINAL_POOLS = `
  WITH RECURSIVE pools(p) AS (
    (SELECT pool FROM tasks WHERE ${FINAL} ORDER BY pool LIMIT 1)
    UNION ALL
    SELECT (SELECT pool FROM tasks WHERE ${FINAL} AND pool > pools.p ORDER BY pool LIMIT 1)
      FROM pools WHERE pools.p IS NOT NULL)
  SELECT p FROM pools WHERE p IS NOT NULL`;

/** The due tasks of one pool, oldest end first; a dedup source with a remaining copy is not. */
const DUE_IN = `
  SELECT id FROM tasks t WHERE pool = $1 AND ${FINAL} AND modified_ms < $2
    AND NOT EXISTS (SELECT 1 FROM tasks d WHERE d.deduped_from = t.id)
  ORDER BY modified_ms LIMIT $3`;

export async function purgeTasks(
  pool: Pool,
  request: PurgeTasksRequest,
): Promise<PurgeTasksResult> {
  const limit = Math.max(0, Math.min(PURGE_BATCH_MAX, Math.floor(request.limit)));
  if (limit === 0) return { tasks: 0, rows: 0, bytes: 0, states: {} };
  return inTransaction(pool, async (c) => {
    const ids = await dueIds(c, request, limit);
    if (ids.length === 0) return { tasks: 0, rows: 0, bytes: 0, states: {} };
    let rows = 0;
    let bytes = 0;
    // By the primary key, from each task's tags column (task_tags has no index by task id).
    const tags = await c.query<{ b: number }>(
      `DELETE FROM task_tags tt
        USING (SELECT DISTINCT jsonb_array_elements_text(t.tags) AS tag, t.created_ms, t.id
                 FROM tasks t WHERE t.id = ANY($1::text[])) s
        WHERE tt.tag = s.tag AND tt.created_ms = s.created_ms AND tt.task_id = s.id
        RETURNING (octet_length(tt.tag) + 40)::bigint AS b`,
      [ids],
    );
    rows += tags.rows.length;
    for (const d of tags.rows) bytes += d.b;
    for (const t of TASK_OWNED_TABLES) {
      const deleted = await c.query<{ b: number }>(
        `DELETE FROM ${t.table} WHERE ${t.column} = ANY($1::text[]) RETURNING (${t.bytes})::bigint AS b`,
        [ids],
      );
      rows += deleted.rows.length;
      for (const d of deleted.rows) bytes += d.b;
    }
    // Rows of tables that reference tasks ON DELETE CASCADE (secrets, CAS references) go too.
    const tasks = await c.query<{ state: StoredTaskState; b: number }>(
      `DELETE FROM tasks WHERE id = ANY($1::text[]) AND ${FINAL}
       RETURNING state, pg_column_size(tasks.*)::bigint AS b`,
      [ids],
    );
    const states: Partial<Record<StoredTaskState, number>> = {};
    for (const t of tasks.rows) {
      bytes += t.b;
      states[t.state] = (states[t.state] ?? 0) + 1;
    }
    return { tasks: tasks.rows.length, rows: rows + tasks.rows.length, bytes, states };
  });
}

async function dueIds(c: PoolClient, request: PurgeTasksRequest, limit: number): Promise<string[]> {
  const pools = (await c.query<{ p: string }>(FINAL_POOLS)).rows.map((r) => r.p);
  const ids: string[] = [];
  for (const p of pools) {
    const beforeMs =
      request.pools !== undefined && Object.hasOwn(request.pools, p)
        ? request.pools[p]
        : request.beforeMs;
    if (beforeMs === undefined) continue;
    const { rows } = await c.query<{ id: string }>(DUE_IN, [p, beforeMs, limit - ids.length]);
    for (const r of rows) ids.push(r.id);
    if (ids.length >= limit) break;
  }
  return ids;
}

export async function acquireLease(
  pool: Pool,
  name: string,
  holder: string,
  nowMs: number,
  ttlMs: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO leases (name, holder, expires_ms) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
     WHERE leases.holder = excluded.holder OR leases.expires_ms <= $4`,
    [name, holder, nowMs + ttlMs, nowMs],
  );
  return rowCount === 1;
}

export async function renewLease(
  pool: Pool,
  name: string,
  holder: string,
  nowMs: number,
  ttlMs: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    'UPDATE leases SET expires_ms = $3 WHERE name = $1 AND holder = $2',
    [name, holder, nowMs + ttlMs],
  );
  return rowCount === 1;
}

export async function releaseLease(pool: Pool, name: string, holder: string): Promise<void> {
  await pool.query('UPDATE leases SET expires_ms = 0 WHERE name = $1 AND holder = $2', [
    name,
    holder,
  ]);
}

export async function getLease(
  pool: Pool,
  name: string,
): Promise<{ holder: string; expiresMs: number } | undefined> {
  const { rows } = await pool.query<{ holder: string; expires_ms: number }>(
    'SELECT holder, expires_ms FROM leases WHERE name = $1',
    [name],
  );
  const row = rows[0];
  return row === undefined ? undefined : { holder: row.holder, expiresMs: row.expires_ms };
}

/** The tables, indexes and TOAST of the store's schema. */
export async function sizeBytes(pool: Pool, schema: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint AS n
       FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = $1 AND c.relkind IN ('r', 'm', 'p')`,
    [schema],
  );
  return rows[0]?.n ?? 0;
}
