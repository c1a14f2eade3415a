import type { Pool, PoolClient } from 'pg';
import { pendingDecoder, type PendingRow } from '../pending-summary';
import type { PendingSummary } from '../store';

/** Rows per FETCH: memory stays flat however long the queue is. */
export const PENDING_FETCH_ROWS = 10_000;

const PENDING_QUERY = `
  SELECT id, priority, created_ms, pool,
      COALESCE(jsonb_typeof(spec->'terminate'), 'null') <> 'null' AS terminate,
      (spec->'slices'->current_slice->'properties'->'dimensions')::text AS dims,
      (SELECT COALESCE(SUM((s.value->>'expirationSecs')::float8), 0)
         FROM jsonb_array_elements(spec->'slices') WITH ORDINALITY AS s(value, n)
        WHERE s.n <= current_slice + 1) AS expiration_secs
    FROM tasks WHERE state = 'PENDING' ORDER BY created_ms, id`;

/**
 * forEachPending: a server-side cursor in one read-only transaction (one snapshot, like SQLite's
 * iterator), fetched PENDING_FETCH_ROWS at a time; whole specs never leave the server.
 */
export async function streamPending(
  pool: Pool,
  fn: (entry: PendingSummary) => void,
): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`DECLARE pending NO SCROLL CURSOR FOR ${PENDING_QUERY}`);
    const n = await drain(client, fn);
    await client.query('COMMIT');
    return n;
  } catch (err) {
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    throw err;
  } finally {
    client.release(broken);
  }
}

async function drain(client: PoolClient, fn: (entry: PendingSummary) => void): Promise<number> {
  const decode = pendingDecoder();
  let n = 0;
  for (;;) {
    const { rows } = await client.query<PendingRow>(
      `FETCH FORWARD ${PENDING_FETCH_ROWS} FROM pending`,
    );
    for (const row of rows) fn(decode(row));
    n += rows.length;
    if (rows.length < PENDING_FETCH_ROWS) return n;
  }
}
