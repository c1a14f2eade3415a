// Retention of the SQLite store (see RetentionStore): plain functions over its statement cache;
// the store runs the writes inside its group commit.
import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { StoredTaskState } from '../../task/task-state';
import { PURGE_BATCH_MAX, type PurgeTasksRequest, type PurgeTasksResult } from '../retention-store';
import { TASK_OWNED_TABLES } from '../task-owned-tables';
import type { StatementCache } from './statement-cache';

/** The WHERE term of the partial index tasks_final_by_pool_end, word for word (SQLite needs it). */
const FINAL = `state NOT IN ('PENDING', 'RUNNING')`;

/** About how many bytes a task row holds: its texts, plus the columns and index entries. */
const TASK_BYTES = `octet_length(spec) + octet_length(summary) + octet_length(bot_dimensions)
  + octet_length(tags) + COALESCE(octet_length(outputs), 0) + 300`;

/**
 * The pools of final tasks, one index seek each (a loose scan of tasks_final_by_pool_end): a
 * store of a million tasks in ten pools costs ten seeks, not a million rows.
 */
function finalPools(sql: StatementCache): string[] {
  const next = sql.get<[string], { p: string | null }>(
    `SELECT MIN(pool) AS p FROM tasks WHERE ${FINAL} AND pool > ?`,
  );
  const first = sql
    .get<[], { p: string | null }>(`SELECT MIN(pool) AS p FROM tasks WHERE ${FINAL}`)
    .get();
  const pools: string[] = [];
  for (let p = first?.p ?? null; p !== null; p = next.get(p)?.p ?? null) pools.push(p);
  return pools;
}

/** The due tasks of one pool, oldest end first; a dedup source with a remaining copy is not. */
function dueIn(sql: StatementCache, pool: string, beforeMs: number, limit: number): string[] {
  return sql
    .get<[string, number, number], { id: string }>(
      `SELECT id FROM tasks t WHERE pool = ? AND ${FINAL} AND modified_ms < ?
         AND NOT EXISTS (SELECT 1 FROM tasks d WHERE d.deduped_from = t.id)
       ORDER BY modified_ms LIMIT ?`,
    )
    .all(pool, beforeMs, limit)
    .map((r) => r.id);
}

/** One batch; runs inside a write transaction (the store's group commit). */
export function purgeTasks(sql: StatementCache, request: PurgeTasksRequest): PurgeTasksResult {
  const limit = Math.max(0, Math.min(PURGE_BATCH_MAX, Math.floor(request.limit)));
  const ids: string[] = [];
  if (limit > 0) {
    for (const pool of finalPools(sql)) {
      const beforeMs =
        request.pools !== undefined && Object.hasOwn(request.pools, pool)
          ? request.pools[pool]
          : request.beforeMs;
      if (beforeMs === undefined) continue;
      ids.push(...dueIn(sql, pool, beforeMs, limit - ids.length));
      if (ids.length >= limit) break;
    }
  }
  if (ids.length === 0) return { tasks: 0, rows: 0, bytes: 0, states: {} };
  const list = JSON.stringify(ids);
  let rows = 0;
  let bytes = 0;
  // By the primary key, from each task's tags column (task_tags has no index by task id).
  const tags = sql
    .get<[string], { b: number }>(
      `DELETE FROM task_tags WHERE (tag, created_ms, task_id) IN (
         SELECT j.value, t.created_ms, t.id FROM tasks t, json_each(t.tags) j
          WHERE t.id IN (SELECT value FROM json_each(?)))
       RETURNING octet_length(tag) + 40 AS b`,
    )
    .all(list);
  rows += tags.length;
  for (const d of tags) bytes += d.b;
  for (const t of TASK_OWNED_TABLES) {
    const deleted = sql
      .get<[string], { b: number }>(
        `DELETE FROM ${t.table} WHERE ${t.column} IN (SELECT value FROM json_each(?))
         RETURNING ${t.bytes} AS b`,
      )
      .all(list);
    rows += deleted.length;
    for (const d of deleted) bytes += d.b;
  }
  const tasks = sql
    .get<[string], { state: StoredTaskState; b: number }>(
      `DELETE FROM tasks WHERE id IN (SELECT value FROM json_each(?)) AND ${FINAL}
       RETURNING state, ${TASK_BYTES} AS b`,
    )
    .all(list);
  const states: Partial<Record<StoredTaskState, number>> = {};
  for (const t of tasks) {
    bytes += t.b;
    states[t.state] = (states[t.state] ?? 0) + 1;
  }
  return { tasks: tasks.length, rows: rows + tasks.length, bytes, states };
}

export function acquireLease(
  sql: StatementCache,
  name: string,
  holder: string,
  nowMs: number,
  ttlMs: number,
): boolean {
  return (
    sql
      .get<[string, string, number, number]>(
        `INSERT INTO leases (name, holder, expires_ms) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
         WHERE leases.holder = excluded.holder OR leases.expires_ms <= ?`,
      )
      .run(name, holder, nowMs + ttlMs, nowMs).changes === 1
  );
}

export function renewLease(
  sql: StatementCache,
  name: string,
  holder: string,
  nowMs: number,
  ttlMs: number,
): boolean {
  return (
    sql
      .get<[number, string, string]>(
        'UPDATE leases SET expires_ms = ? WHERE name = ? AND holder = ?',
      )
      .run(nowMs + ttlMs, name, holder).changes === 1
  );
}

export function releaseLease(sql: StatementCache, name: string, holder: string): void {
  sql
    .get<[string, string]>('UPDATE leases SET expires_ms = 0 WHERE name = ? AND holder = ?')
    .run(name, holder);
}

export function getLease(
  sql: StatementCache,
  name: string,
): { holder: string; expiresMs: number } | undefined {
  const row = sql
    .get<[string], { holder: string; expires_ms: number }>(
      'SELECT holder, expires_ms FROM leases WHERE name = ?',
    )
    .get(name);
  return row === undefined ? undefined : { holder: row.holder, expiresMs: row.expires_ms };
}

/**
 * PRAGMA incremental_vacuum of at most `maxPages`; returns the pages still free. Through
 * db.pragma: the statement frees one page per step, and only pragma() steps it to the end.
 */
export function reclaimSpace(db: Database.Database, maxPages: number): number {
  const n = Math.max(0, Math.floor(maxPages));
  if (n > 0) db.pragma(`incremental_vacuum(${n})`);
  return Number(db.pragma('freelist_count', { simple: true }) ?? 0);
}

/** The file and its WAL (0 for a store in memory). */
export function sizeBytes(sql: StatementCache, path: string | undefined): number {
  if (path === undefined) {
    const pages = sql.get<[], { page_count: number }>('PRAGMA page_count').get()?.page_count ?? 0;
    const size = sql.get<[], { page_size: number }>('PRAGMA page_size').get()?.page_size ?? 0;
    return pages * size;
  }
  let total = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      total += statSync(file).size;
    } catch {
      // No WAL yet.
    }
  }
  return total;
}
