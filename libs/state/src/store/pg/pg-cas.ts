// The CAS records of the PostgreSQL store (see CasStore): each operation one statement. The GC's
// delete re-checks the garbage condition in its own statement, so a blob touched by another
// replica after the sweep listed it keeps its row.
import type { Pool } from 'pg';
import type { CasBlobRecord, CasBlobSize, CasRunningReferrer } from '../cas-store';

export async function touchCasBlobs(
  pool: Pool,
  blobs: readonly CasBlobSize[],
  nowMs: number,
  uploader: string,
): Promise<void> {
  if (blobs.length === 0) return;
  // One row per hash (ON CONFLICT may not meet the same row twice in one statement).
  const byHash = new Map(blobs.map((b) => [b.hash, b.sizeBytes]));
  const hashes = [...byHash.keys()].sort();
  const sizes = hashes.map((h) => byHash.get(h)!);
  await pool.query(
    `WITH touched AS (
       INSERT INTO cas_blobs (hash, size_bytes, created_ms, touched_ms)
       SELECT h, s, $3, $3 FROM unnest($1::text[], $2::bigint[]) AS x(h, s)
       ON CONFLICT (hash) DO UPDATE SET touched_ms = GREATEST(cas_blobs.touched_ms, excluded.touched_ms)
       RETURNING hash)
     INSERT INTO cas_uploads (hash, uploader, created_ms)
     SELECT hash, $4, $3 FROM touched WHERE $4 <> ''
     ON CONFLICT (hash, uploader) DO NOTHING`,
    [hashes, sizes, nowMs, uploader],
  );
}

export async function getCasBlob(pool: Pool, hash: string): Promise<CasBlobRecord | undefined> {
  const { rows } = await pool.query<{
    hash: string;
    size_bytes: number;
    created_ms: number;
    touched_ms: number;
  }>('SELECT * FROM cas_blobs WHERE hash = $1', [hash]);
  const row = rows[0];
  return row === undefined
    ? undefined
    : {
        hash: row.hash,
        sizeBytes: Number(row.size_bytes),
        createdMs: Number(row.created_ms),
        touchedMs: Number(row.touched_ms),
      };
}

export async function isCasUploader(pool: Pool, hash: string, uploader: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    'SELECT 1 FROM cas_uploads WHERE hash = $1 AND uploader = $2',
    [hash, uploader],
  );
  return (rowCount ?? 0) > 0;
}

/** Parameters: the hashes (text[]), the task id, its pool. */
export const INSERT_CAS_REFERENCES = `INSERT INTO cas_refs (hash, task_id, pool)
  SELECT DISTINCT h, $2, $3 FROM unnest($1::text[]) AS x(h)
  ON CONFLICT DO NOTHING`;

export async function addCasReferences(
  pool: Pool,
  taskId: string,
  taskPool: string,
  hashes: readonly string[],
): Promise<void> {
  if (hashes.length === 0) return;
  await pool.query(INSERT_CAS_REFERENCES, [[...hashes], taskId, taskPool]);
}

export async function casReferencePools(
  pool: Pool,
  hash: string,
  limit: number,
): Promise<string[]> {
  const { rows } = await pool.query<{ pool: string }>(
    'SELECT DISTINCT pool FROM cas_refs WHERE hash = $1 ORDER BY pool LIMIT $2',
    [hash, Math.max(0, Math.floor(limit))],
  );
  return rows.map((r) => r.pool);
}

export async function isCasReferencedByTask(
  pool: Pool,
  hash: string,
  taskIds: readonly string[],
): Promise<boolean> {
  if (taskIds.length === 0) return false;
  const { rowCount } = await pool.query(
    'SELECT 1 FROM cas_refs WHERE hash = $1 AND task_id = ANY($2::text[]) LIMIT 1',
    [hash, [...taskIds]],
  );
  return (rowCount ?? 0) > 0;
}

export async function casRunningReferrers(
  pool: Pool,
  hash: string,
  limit: number,
): Promise<CasRunningReferrer[]> {
  const { rows } = await pool.query<{ task_id: string; bot_id: string }>(
    `SELECT r.task_id, t.bot_id FROM cas_refs r JOIN tasks t ON t.id = r.task_id
     WHERE r.hash = $1 AND t.state = 'RUNNING' AND t.bot_id IS NOT NULL LIMIT $2`,
    [hash, Math.max(0, Math.floor(limit))],
  );
  return rows.map((r) => ({ taskId: r.task_id, botId: r.bot_id }));
}

const GARBAGE = `b.touched_ms < $1 AND NOT EXISTS (SELECT 1 FROM cas_refs r WHERE r.hash = b.hash)`;

export async function listCasGarbage(
  pool: Pool,
  cutoffMs: number,
  limit: number,
): Promise<CasBlobSize[]> {
  const { rows } = await pool.query<{ hash: string; size_bytes: number }>(
    `SELECT hash, size_bytes FROM cas_blobs b WHERE ${GARBAGE} ORDER BY touched_ms LIMIT $2`,
    [cutoffMs, Math.max(0, Math.floor(limit))],
  );
  return rows.map((r) => ({ hash: r.hash, sizeBytes: Number(r.size_bytes) }));
}

export async function deleteCasBlobIfGarbage(
  pool: Pool,
  hash: string,
  cutoffMs: number,
): Promise<boolean> {
  const { rows } = await pool.query<{ n: number }>(
    `WITH gone AS (DELETE FROM cas_blobs b WHERE b.hash = $2 AND ${GARBAGE} RETURNING b.hash),
       uploads AS (DELETE FROM cas_uploads u WHERE u.hash IN (SELECT hash FROM gone))
     SELECT COUNT(*)::int AS n FROM gone`,
    [cutoffMs, hash],
  );
  return (rows[0]?.n ?? 0) > 0;
}

export async function casTotals(pool: Pool): Promise<{ blobs: number; bytes: number }> {
  const { rows } = await pool.query<{ blobs: number; bytes: string | null }>(
    'SELECT COUNT(*) AS blobs, SUM(size_bytes) AS bytes FROM cas_blobs',
  );
  return { blobs: Number(rows[0]?.blobs ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}
