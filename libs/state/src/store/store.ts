import type { StoredTaskState } from '../task/task-state';
import type { KeyValue, KeyValues, Task } from '../task/types';

/** What the stored task must still look like for a conditional write to apply. */
export interface ExpectedTask {
  readonly state: StoredTaskState;
  readonly leaseId: string | null;
}

export type AppendOutputOutcome =
  | { readonly kind: 'appended'; readonly size: number }
  /** Every byte was stored already (a resend after reconnect). */
  | { readonly kind: 'duplicate'; readonly size: number }
  | {
      readonly kind: 'refused';
      readonly reason: 'unknown-task' | 'stale-lease' | 'gap';
      readonly size: number;
    };

export type InsertOutcome =
  | { readonly inserted: true }
  /** The same caller used the same request_uuid within 7 days: that task, unchanged. */
  | { readonly inserted: false; readonly existing: Task };

/** A filter over stored tasks (ListTasks, CountTasks, CancelTasks). */
export interface TaskQuery {
  /** Any of these states; empty or absent = all. */
  readonly states?: readonly StoredTaskState[];
  /** COMPLETED with exit 0 (success) or with failure; applies on top of states. */
  readonly outcome?: 'success' | 'failure';
  /** Only deduplicated tasks. */
  readonly dedupedOnly?: boolean;
  /** Every tag must be present (AND). */
  readonly tags?: readonly string[];
  /** created_ts ≥ startMs */
  readonly startMs?: number;
  /** created_ts < endMs */
  readonly endMs?: number;
}

export interface TaskPage {
  readonly tasks: Task[];
  /** Opaque; empty when there is nothing more. */
  readonly cursor: string;
}

/** A PENDING task as the scheduler needs it at start-up: no spec, no result fields. */
export interface PendingSummary {
  readonly taskId: string;
  readonly priority: number;
  readonly createdAtMs: number;
  /** The dimensions of the current slice. */
  readonly dimensions: readonly KeyValue[];
  /** When the current slice expires (created + Σ expiration_secs up to it). */
  readonly deadlineAtMs: number;
}

/** How long request_uuid and dedup look back (DESIGN.md §2). */
export const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

/** A bot the coordinator has seen (DESIGN.md §4). */
export interface BotRecord {
  readonly id: string;
  readonly dimensions: readonly KeyValues[];
  readonly version: string;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** The last reported health (load, disk, uptime, running task) as JSON-able data. */
  readonly state: Readonly<Record<string, unknown>>;
  readonly sessionId: string;
  readonly connected: boolean;
}

/**
 * The persistence port (DESIGN.md §6). Every state change is a conditional write; adapters must
 * pass the conformance suite in libs/state/test/store-conformance.ts.
 */
export interface Store {
  /**
   * Stores a new task; fails if the id exists. When the spec has a request_uuid that its
   * `authenticated` caller already used for a task created within 7 days, stores nothing and
   * returns that task (atomically: two racing submits get one task).
   */
  insertTask(task: Task): Promise<InsertOutcome>;
  /**
   * The most recent COMPLETED, exit 0, non-deduplicated task that ran an idempotent slice with
   * this properties hash and completed at or after `sinceMs`.
   */
  findDedupSource(propertiesHash: string, sinceMs: number): Promise<Task | undefined>;
  /** Tasks matching the query, newest first (created, then id), `limit` per page. */
  listTasks(query: TaskQuery, page: { limit: number; cursor?: string }): Promise<TaskPage>;
  countTasks(query: TaskQuery): Promise<number>;
  getTask(id: string): Promise<Task | undefined>;
  /**
   * Writes every mutable field of `next` except outputSize (owned by appendOutput), only if the
   * stored task still has `expected` state and lease. Returns whether it applied.
   */
  updateTask(next: Task, expected: ExpectedTask): Promise<boolean>;
  /**
   * Calls `fn` for every PENDING task, oldest first, without materializing whole tasks (a queue
   * of a million is rebuilt in seconds). Equal dimension lists may be the same array. Returns the
   * count.
   */
  forEachPending(fn: (entry: PendingSummary) => void): Promise<number>;
  /** Tasks in the given states, oldest first (used to rebuild in-memory indexes at start). */
  listTasksInStates(states: readonly StoredTaskState[]): Promise<Task[]>;
  /**
   * Appends a chunk at `offset` of a RUNNING task's output, under its lease. Bytes already stored
   * are skipped (resend); a chunk past the end is refused as a gap.
   */
  appendOutput(
    taskId: string,
    leaseId: string,
    offset: number,
    data: Uint8Array,
  ): Promise<AppendOutputOutcome>;
  /** Up to `length` bytes of output from `offset` (fewer at the end). */
  readOutput(taskId: string, offset: number, length: number): Promise<Buffer>;
  upsertBot(bot: BotRecord): Promise<void>;
  getBot(id: string): Promise<BotRecord | undefined>;
  listBots(): Promise<BotRecord[]>;
  close(): Promise<void>;
}
