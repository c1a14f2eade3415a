import { pendingDecoder, type PendingRow } from '../pending-summary';
import type { PendingSummary } from '../store';
import type { StatementCache } from './statement-cache';

const PENDING_QUERY = `
  SELECT id, priority, created_ms, pool,
      json_extract(spec, '$.terminate') IS NOT NULL AS terminate,
      json_extract(spec, '$.slices[' || current_slice || '].properties.dimensions') AS dims,
      (SELECT SUM(json_extract(s.value, '$.expirationSecs'))
         FROM json_each(tasks.spec, '$.slices') AS s
        WHERE s.key <= tasks.current_slice) AS expiration_secs
    FROM tasks WHERE state = 'PENDING' ORDER BY created_ms, id`;

/** forEachPending: one iterator over one read (one snapshot); whole specs never leave SQLite. */
export function forEachPending(sql: StatementCache, fn: (entry: PendingSummary) => void): number {
  const decode = pendingDecoder();
  let n = 0;
  for (const row of sql.get<[], PendingRow>(PENDING_QUERY).iterate()) {
    fn(decode(row));
    n++;
  }
  return n;
}
