// The CAS records of the SQLite store (see CasStore): plain functions over its statement cache;
// the store runs the writes inside its group commit.
import type { CasBlobRecord, CasBlobSize, CasRunningReferrer } from '../cas-store';
import type { StatementCache } from './statement-cache';

interface BlobRow {
  hash: string;
  size_bytes: number;
  created_ms: number;
  touched_ms: number;
}

export function touchCasBlobs(
  sql: StatementCache,
  blobs: readonly CasBlobSize[],
  nowMs: number,
  uploader: string,
): void {
  const touch = sql.get<[string, number, number, number]>(
    `INSERT INTO cas_blobs (hash, size_bytes, created_ms, touched_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (hash) DO UPDATE SET touched_ms = MAX(touched_ms, excluded.touched_ms)`,
  );
  const upload = sql.get<[string, string, number]>(
    `INSERT INTO cas_uploads (hash, uploader, created_ms) VALUES (?, ?, ?)
     ON CONFLICT (hash, uploader) DO NOTHING`,
  );
  for (const b of blobs) {
    touch.run(b.hash, b.sizeBytes, nowMs, nowMs);
    if (uploader !== '') upload.run(b.hash, uploader, nowMs);
  }
}

export function getCasBlob(sql: StatementCache, hash: string): CasBlobRecord | undefined {
  const row = sql.get<[string], BlobRow>('SELECT * FROM cas_blobs WHERE hash = ?').get(hash);
  return row === undefined
    ? undefined
    : {
        hash: row.hash,
        sizeBytes: row.size_bytes,
        createdMs: row.created_ms,
        touchedMs: row.touched_ms,
      };
}

export function isCasUploader(sql: StatementCache, hash: string, uploader: string): boolean {
  return (
    sql
      .get<[string, string]>('SELECT 1 FROM cas_uploads WHERE hash = ? AND uploader = ?')
      .get(hash, uploader) !== undefined
  );
}

export function addCasReferences(
  sql: StatementCache,
  taskId: string,
  pool: string,
  hashes: readonly string[],
): void {
  const add = sql.get<[string, string, string]>(
    'INSERT INTO cas_refs (hash, task_id, pool) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  for (const h of new Set(hashes)) add.run(h, taskId, pool);
}

export function casReferencePools(sql: StatementCache, hash: string, limit: number): string[] {
  return sql
    .get<[string, number], { pool: string }>(
      'SELECT DISTINCT pool FROM cas_refs WHERE hash = ? ORDER BY pool LIMIT ?',
    )
    .all(hash, Math.max(0, Math.floor(limit)))
    .map((r) => r.pool);
}

export function isCasReferencedByTask(
  sql: StatementCache,
  hash: string,
  taskIds: readonly string[],
): boolean {
  if (taskIds.length === 0) return false;
  const stmt = sql.get<[string, string]>('SELECT 1 FROM cas_refs WHERE hash = ? AND task_id = ?');
  return taskIds.some((id) => stmt.get(hash, id) !== undefined);
}

export function casRunningReferrers(
  sql: StatementCache,
  hash: string,
  limit: number,
): CasRunningReferrer[] {
  return sql
    .get<[string, number], { task_id: string; bot_id: string }>(
      `SELECT r.task_id, t.bot_id FROM cas_refs r JOIN tasks t ON t.id = r.task_id
       WHERE r.hash = ? AND t.state = 'RUNNING' AND t.bot_id IS NOT NULL LIMIT ?`,
    )
    .all(hash, Math.max(0, Math.floor(limit)))
    .map((r) => ({ taskId: r.task_id, botId: r.bot_id }));
}

const GARBAGE = `touched_ms < ? AND NOT EXISTS (SELECT 1 FROM cas_refs r WHERE r.hash = b.hash)`;

export function listCasGarbage(
  sql: StatementCache,
  cutoffMs: number,
  limit: number,
): CasBlobSize[] {
  return sql
    .get<[number, number], { hash: string; size_bytes: number }>(
      `SELECT hash, size_bytes FROM cas_blobs b WHERE ${GARBAGE} ORDER BY touched_ms LIMIT ?`,
    )
    .all(cutoffMs, Math.max(0, Math.floor(limit)))
    .map((r) => ({ hash: r.hash, sizeBytes: r.size_bytes }));
}

/** Runs inside a write transaction. */
export function deleteCasBlobIfGarbage(
  sql: StatementCache,
  hash: string,
  cutoffMs: number,
): boolean {
  const gone =
    sql
      .get<[string, number]>(`DELETE FROM cas_blobs AS b WHERE hash = ? AND ${GARBAGE}`)
      .run(hash, cutoffMs).changes === 1;
  if (gone) sql.get<[string]>('DELETE FROM cas_uploads WHERE hash = ?').run(hash);
  return gone;
}

export function casTotals(sql: StatementCache): { blobs: number; bytes: number } {
  const row = sql
    .get<[], { blobs: number; bytes: number | null }>(
      'SELECT COUNT(*) AS blobs, SUM(size_bytes) AS bytes FROM cas_blobs',
    )
    .get();
  return { blobs: row?.blobs ?? 0, bytes: row?.bytes ?? 0 };
}
