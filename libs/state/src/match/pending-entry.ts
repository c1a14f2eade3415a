import type { KeyValue } from '../task/types';

export interface PendingEntry {
  readonly taskId: string;
  readonly priority: number;
  /** Submit order within a priority: created time, then id. */
  readonly createdAtMs: number;
  /** The dimensions of the task's current slice. */
  readonly dimensions: readonly KeyValue[];
}

/** Priority (lower first), then created time, then id. */
export function entryBefore(a: PendingEntry, b: PendingEntry): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs < b.createdAtMs;
  return a.taskId < b.taskId;
}
