/**
 * The fleet over time (the dashboard's fleet page), kept in the store so that a coordinator
 * restart keeps its last hour and day: one row per sample and range, its pools as JSON text the
 * coordinator writes and reads (the store does not look inside). Rows older than a range are
 * pruned as samples are added, so each range holds a bounded number of rows.
 */
export type FleetRange = 'hour' | 'day';

export interface FleetSampleRow {
  readonly range: FleetRange;
  readonly atMs: number;
  /** The sample's pools, JSON text (apps/coordinator's FleetHistory). */
  readonly pools: string;
}

export interface FleetStore {
  /**
   * Stores a sample (one at the same range and time is replaced) and deletes the range's rows
   * older than `pruneBeforeMs`, in one transaction.
   */
  putFleetSample(sample: FleetSampleRow, pruneBeforeMs: number): Promise<void>;
  /** The range's samples at or after `sinceMs`, oldest first, the newest `limit` of them. */
  listFleetSamples(range: FleetRange, sinceMs: number, limit: number): Promise<FleetSampleRow[]>;
}
