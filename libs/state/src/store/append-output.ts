// appendOutput's decision, the same in both adapters: from what is stored of the task (read under
// the write lock) and the chunk, the outcome and which bytes, if any, to write where.
import type { AppendOutputOutcome } from './store';

/** The columns appendOutput reads of the task. */
export interface OutputHolderRow {
  readonly state: string;
  readonly lease_id: string | null;
  readonly output_size: number;
}

export type AppendPlan =
  | { readonly write: false; readonly outcome: AppendOutputOutcome }
  /** Store `bytes` as the chunk at `at` and set output_size to `outcome.size`. */
  | {
      readonly write: true;
      readonly at: number;
      readonly bytes: Buffer;
      readonly outcome: Extract<AppendOutputOutcome, { kind: 'appended' }>;
    };

/**
 * Only the RUNNING task's current lease appends; bytes before the stored size are a resend and
 * kept as stored (only the new tail is written); a chunk starting past the end is a gap.
 */
export function planAppend(
  stored: OutputHolderRow | undefined,
  chunk: { readonly leaseId: string; readonly offset: number; readonly data: Uint8Array },
): AppendPlan {
  if (stored === undefined) {
    return { write: false, outcome: { kind: 'refused', reason: 'unknown-task', size: 0 } };
  }
  const size = stored.output_size;
  if (stored.state !== 'RUNNING' || stored.lease_id !== chunk.leaseId) {
    return { write: false, outcome: { kind: 'refused', reason: 'stale-lease', size } };
  }
  const { offset, data } = chunk;
  if (offset > size) return { write: false, outcome: { kind: 'refused', reason: 'gap', size } };
  const end = offset + data.byteLength;
  if (end <= size) return { write: false, outcome: { kind: 'duplicate', size } };
  const bytes = Buffer.from(data.buffer, data.byteOffset + (size - offset), end - size);
  return { write: true, at: size, bytes, outcome: { kind: 'appended', size: end } };
}
