// Fleet samples of the SQLite store (see FleetStore): plain functions over its statement cache;
// the store runs the write inside its group commit.
import type { FleetRange, FleetSampleRow } from '../fleet-store';
import type { StatementCache } from './statement-cache';

interface FleetRow {
  range: FleetRange;
  at_ms: number;
  pools: string;
}

/** Runs inside a write transaction: the insert and the prune commit together. */
export function putFleetSample(
  sql: StatementCache,
  sample: FleetSampleRow,
  pruneBeforeMs: number,
): void {
  sql
    .get<[string, number, string]>(
      `INSERT INTO fleet_samples (range, at_ms, pools) VALUES (?, ?, ?)
       ON CONFLICT (range, at_ms) DO UPDATE SET pools = excluded.pools`,
    )
    .run(sample.range, sample.atMs, sample.pools);
  sql
    .get<[string, number]>('DELETE FROM fleet_samples WHERE range = ? AND at_ms < ?')
    .run(sample.range, pruneBeforeMs);
}

export function listFleetSamples(
  sql: StatementCache,
  range: FleetRange,
  sinceMs: number,
  limit: number,
): FleetSampleRow[] {
  const rows = sql
    .get<[string, number, number], FleetRow>(
      `SELECT range, at_ms, pools FROM fleet_samples WHERE range = ? AND at_ms >= ?
       ORDER BY at_ms DESC LIMIT ?`,
    )
    .all(range, sinceMs, Math.max(0, Math.floor(limit)));
  return rows.reverse().map((r) => ({ range: r.range, atMs: r.at_ms, pools: r.pools }));
}
