import type { StoredTaskState } from '../task/task-state';
import type { KeyValue, KeyValues, Task } from '../task/types';
import type { AccessStore, AuditStore } from './access-store';
import type { CasStore } from './cas-store';
import type { ChangeFeed } from './change-feed';
import type { FleetStore } from './fleet-store';
import type { GraphStore } from './graph-store';
import type { RetentionStore } from './retention-store';
import type { TaskSort } from './task-order';
import type { WebhookStore } from './webhook-store';

/**
 * The revision the stored task must still have for a conditional write to apply: that of the task
 * the successor was computed from (whose state and lease `transition` checked).
 */
export interface ExpectedTask {
  readonly revision: number;
  /**
   * The task as stored at `revision` (the one the successor was computed from), when the caller
   * has it: a store may then write only the columns that differ from it (SQLite does: an index
   * whose columns did not change is not rewritten). Ignored unless its revision is `revision`.
   */
  readonly previous?: Task;
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

/** What an insert stores beside a task's row, in the same transaction. */
export interface TaskInsertExtras {
  /**
   * The task's secret bytes as the coordinator sealed them (encrypted, opaque here): kept in a
   * table of their own, never with the request, read back only by getSealedSecret, and deleted
   * with the task row (the foreign key cascades). Not stored when the insert returns an existing
   * task (request_uuid).
   */
  readonly sealedSecret?: Uint8Array;
  /**
   * The CAS blobs the task references (its input trees and their files), recorded with the
   * task's pool (`taskPoolOf`) in the insert's transaction (CasStore.addCasReferences), so a bot
   * given the task at once may already read them. Not stored for an existing task.
   */
  readonly casReferences?: readonly string[];
}

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
  /** A `name:` tag matching this glob (`*`, `?`; see task-order.ts). */
  readonly nameGlob?: string;
  /**
   * The time that orders listTasks (newest first), that startMs/endMs bound and that a task must
   * have (started: only started tasks); default created.
   */
  readonly sort?: TaskSort;
  /** sort time ≥ startMs */
  readonly startMs?: number;
  /** sort time < endMs */
  readonly endMs?: number;
  /** Only tasks that were given to this bot (ListBotTasks). */
  readonly botId?: string;
  /**
   * Only tasks whose pool (see `taskPoolOf`) is one of these; absent = every pool. An empty list
   * matches nothing (a caller who may view no pool).
   */
  readonly pools?: readonly string[];
}

/** Which page a list call asks for: `limit` rows at most, after `cursor` (absent: the first). */
export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string | undefined;
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
  /** The task's pool as `taskPoolOf` gives it ('' = none). */
  readonly pool: string;
  /** A bot's termination task (TaskSpec.terminate). */
  readonly terminate: boolean;
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
  /** What admins set (QuarantineBot, SetMaintenance); upsertBot never changes it. */
  readonly admin: BotAdminState;
}

/** What a bot reports about itself; the store keeps the admin state it already has. */
export type BotReport = Omit<BotRecord, 'admin'>;

/** Admin decisions about a bot; they survive restarts and reconnects. */
export interface BotAdminState {
  /** Non-empty: an admin quarantined the bot, with this reason. */
  readonly quarantinedReason: string;
  readonly maintenance: boolean;
  readonly maintenanceMsg: string;
}

export const NO_ADMIN_STATE: BotAdminState = Object.freeze({
  quarantinedReason: '',
  maintenance: false,
  maintenanceMsg: '',
});

/** ListBotEvents event types (DESIGN.md §4); kept BOT_EVENT_RETENTION_MS. */
export const BOT_EVENT_TYPES = [
  'connected',
  'disconnected',
  'task_started',
  'task_completed',
  'quarantined',
  'unquarantined',
  'maintenance',
  'terminated',
  'deleted',
  'missing',
] as const;
export type BotEventType = (typeof BOT_EVENT_TYPES)[number];

export const BOT_EVENT_RETENTION_MS = 28 * 24 * 3600 * 1000;

export interface BotEventRecord {
  readonly tsMs: number;
  readonly botId: string;
  readonly eventType: BotEventType;
  readonly message: string;
  /** '' when the event is not about a task. */
  readonly taskId: string;
  /** The bot's dimensions when it happened. */
  readonly dimensions: readonly KeyValues[];
}

export interface BotEventQuery {
  /** Absent = every bot. */
  readonly botId?: string;
  /** ts ≥ startMs */
  readonly startMs?: number;
  /** ts < endMs */
  readonly endMs?: number;
}

export interface BotEventPage {
  /** Newest first. */
  readonly events: BotEventRecord[];
  /** Opaque; empty when there is nothing more. */
  readonly cursor: string;
}

/**
 * The persistence port (DESIGN.md §6). Every state change is a conditional write over the task's
 * revision; adapters must pass the conformance suite in libs/state/test/store-conformance.ts.
 */
export interface Store
  extends GraphStore, WebhookStore, CasStore, RetentionStore, AccessStore, AuditStore, FleetStore {
  /**
   * Stores a new task; fails if the id exists. When the spec has a request_uuid that its
   * `authenticated` caller already used for a task created within 7 days, stores nothing and
   * returns that task (atomically: two racing submits get one task).
   */
  insertTask(task: Task, extras?: TaskInsertExtras): Promise<InsertOutcome>;
  /**
   * insertTask for each task, in order, in one transaction (NewTasks): a failure stores none of
   * them. A request_uuid already stored, or used by an earlier task of the batch, gives that
   * task's outcome `{ inserted: false, existing }`. `extras[i]` goes with `tasks[i]`.
   */
  insertTasks(
    tasks: readonly Task[],
    extras?: readonly (TaskInsertExtras | undefined)[],
  ): Promise<InsertOutcome[]>;
  /** The sealed secret stored with the task (TaskInsertExtras.sealedSecret), if any. */
  getSealedSecret(taskId: string): Promise<Buffer | undefined>;
  /**
   * The most recent COMPLETED, exit 0, non-deduplicated task that ran an idempotent slice with
   * this properties hash and completed at or after `sinceMs`.
   */
  findDedupSource(propertiesHash: string, sinceMs: number): Promise<Task | undefined>;
  /** Tasks matching the query, newest first (created, then id), `limit` per page. */
  listTasks(query: TaskQuery, page: PageRequest): Promise<TaskPage>;
  countTasks(query: TaskQuery): Promise<number>;
  getTask(id: string): Promise<Task | undefined>;
  /**
   * Writes every mutable field of `next`, its revision included, except outputSize (owned by
   * appendOutput), only if the stored task is still at `expected.revision`. Returns whether it
   * applied; false means another writer got there first (or no such task): read the task again
   * and compute the successor anew. Throws when `next.revision` is not `expected.revision + 1`
   * (a successor not made by `transition` from the expected task: a bug).
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
  /** The RUNNING tasks given to `botId`, oldest first (created, then id); served by an index. */
  listRunningTasksOf(botId: string): Promise<Task[]>;
  /**
   * Appends a chunk at `offset` of a RUNNING task's output, under its lease. Bytes already stored
   * are skipped (resend); a chunk past the end is refused as a gap. Leaves the revision as it is:
   * outputSize is not a field updateTask writes, so an append never makes a transition's write lose.
   */
  appendOutput(
    taskId: string,
    leaseId: string,
    offset: number,
    data: Uint8Array,
  ): Promise<AppendOutputOutcome>;
  /** Up to `length` bytes of output from `offset` (fewer at the end). */
  readOutput(taskId: string, offset: number, length: number): Promise<Buffer>;
  /** Inserts or updates what the bot reports; a new bot starts with NO_ADMIN_STATE. */
  upsertBot(bot: BotReport): Promise<void>;
  /**
   * The bot's session `bot.sessionId` ended: its row says disconnected, with what the bot last
   * reported — unless the row belongs to another session that is connected (the bot connected
   * again, here or to another replica, before this was written). Atomic; false when it wrote
   * nothing (that other session's row, or no row: the bot was deleted).
   */
  botDisconnected(bot: BotReport): Promise<boolean>;
  getBot(id: string): Promise<BotRecord | undefined>;
  /** Every known bot, ordered by id. */
  listBots(): Promise<BotRecord[]>;
  /** Changes the admin state of a known bot; undefined when the bot is unknown. */
  setBotAdmin(id: string, patch: Partial<BotAdminState>): Promise<BotRecord | undefined>;
  /** Forgets a bot (its events stay); returns whether it existed. */
  deleteBot(id: string): Promise<boolean>;
  appendBotEvent(event: BotEventRecord): Promise<void>;
  /** Appends several events in one write, in the given order (a busy fleet's history). */
  appendBotEvents(events: readonly BotEventRecord[]): Promise<void>;
  /** Events matching the query, newest first; throws InvalidCursorError on a foreign cursor. */
  listBotEvents(query: BotEventQuery, page: PageRequest): Promise<BotEventPage>;
  /** Deletes events older than `beforeMs`; returns how many. */
  pruneBotEvents(beforeMs: number): Promise<number>;
  /**
   * What other coordinators sharing this database commit (PostgreSQL: LISTEN/NOTIFY); absent
   * where this process is the only writer (SQLite).
   */
  readonly changes?: ChangeFeed;
  close(): Promise<void>;
}
