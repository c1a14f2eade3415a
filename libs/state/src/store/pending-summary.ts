// forEachPending's rows, the same in both adapters: what each PENDING row carries and the
// PendingSummary it reads as.
import type { KeyValue } from '../task/types';
import type { PendingSummary } from './store';

export interface PendingRow {
  readonly id: string;
  readonly priority: number;
  readonly created_ms: number;
  readonly pool: string;
  /** 0/1 in SQLite, BOOLEAN in PostgreSQL. */
  readonly terminate: number | boolean;
  /** The current slice's dimensions as JSON text (equal lists are parsed once). */
  readonly dims: string;
  /** Σ expirationSecs of the slices up to the current one. */
  readonly expiration_secs: number;
}

/**
 * A decoder for one pass over the PENDING tasks: equal dimension lists become the same array,
 * parsed once (a queue of a million tasks has few distinct lists).
 */
export function pendingDecoder(): (row: PendingRow) => PendingSummary {
  const interned = new Map<string, KeyValue[]>();
  return (row) => {
    let dimensions = interned.get(row.dims);
    if (dimensions === undefined) {
      dimensions = JSON.parse(row.dims) as KeyValue[];
      interned.set(row.dims, dimensions);
    }
    return {
      taskId: row.id,
      priority: row.priority,
      createdAtMs: row.created_ms,
      dimensions,
      deadlineAtMs: row.created_ms + row.expiration_secs * 1000,
      pool: row.pool,
      terminate: row.terminate === true || row.terminate === 1,
    };
  };
}
