import type { StoredTaskState } from '../task/task-state';
import type { KeyValues, Task } from '../task/types';

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
  /** Stores a new task; fails if the id exists. */
  insertTask(task: Task): Promise<void>;
  getTask(id: string): Promise<Task | undefined>;
  /**
   * Writes every mutable field of `next` except outputSize (owned by appendOutput), only if the
   * stored task still has `expected` state and lease. Returns whether it applied.
   */
  updateTask(next: Task, expected: ExpectedTask): Promise<boolean>;
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
