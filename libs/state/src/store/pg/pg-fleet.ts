// Fleet samples of the PostgreSQL store (see FleetStore).
import type { Pool } from 'pg';
import type { FleetRange, FleetSampleRow } from '../fleet-store';
import { inTransaction } from './pg-tx';

interface FleetRow {
  range: FleetRange;
  at_ms: string;
  pools: string;
}

export async function putFleetSample(
  pool: Pool,
  sample: FleetSampleRow,
  pruneBeforeMs: number,
): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query(
      `INSERT INTO fleet_samples (range, at_ms, pools) VALUES ($1, $2, $3)
       ON CONFLICT (range, at_ms) DO UPDATE SET pools = EXCLUDED.pools`,
      [sample.range, sample.atMs, sample.pools],
    );
    await c.query('DELETE FROM fleet_samples WHERE range = $1 AND at_ms < $2', [
      sample.range,
      pruneBeforeMs,
    ]);
  });
}

export async function listFleetSamples(
  pool: Pool,
  range: FleetRange,
  sinceMs: number,
  limit: number,
): Promise<FleetSampleRow[]> {
  const { rows } = await pool.query<FleetRow>(
    `SELECT range, at_ms, pools FROM fleet_samples WHERE range = $1 AND at_ms >= $2
     ORDER BY at_ms DESC LIMIT $3`,
    [range, sinceMs, Math.max(0, Math.floor(limit))],
  );
  return rows.reverse().map((r) => ({ range: r.range, atMs: Number(r.at_ms), pools: r.pools }));
}
