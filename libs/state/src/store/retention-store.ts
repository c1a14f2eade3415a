import type { StoredTaskState } from '../task/task-state';

/**
 * Which final tasks are due for deletion: those whose end (the time they became final, which is
 * their `modifiedAtMs`: a final task never changes again) is before the cutoff of their pool.
 */
export interface PurgeTasksRequest {
  /** The cutoff of every pool not in `pools`; undefined = those tasks are kept forever. */
  readonly beforeMs: number | undefined;
  /**
   * Per-pool cutoffs (the pool as `taskPoolOf` gives it, '' = no pool) that replace `beforeMs`;
   * undefined = that pool's tasks are kept forever.
   */
  readonly pools?: Readonly<Record<string, number | undefined>>;
  /** At most this many tasks in this call (one transaction); 1 to PURGE_BATCH_MAX. */
  readonly limit: number;
}

/** What one purgeTasks call deleted. */
export interface PurgeTasksResult {
  /** Tasks deleted. */
  readonly tasks: number;
  /** Rows deleted in every table, the tasks' own rows included. */
  readonly rows: number;
  /** About how many bytes those rows held (specs, output chunks, webhook bodies, …). */
  readonly bytes: number;
  /** Tasks deleted by state. */
  readonly states: Readonly<Partial<Record<StoredTaskState, number>>>;
}

/** The most tasks one purgeTasks call deletes (one transaction: a few milliseconds). */
export const PURGE_BATCH_MAX = 500;

/**
 * Retention (issue 26): deleting old final tasks with every row that is only theirs, a lease so
 * that one coordinator of several purges at a time, and what the store weighs.
 */
export interface RetentionStore {
  /**
   * Deletes up to `limit` final tasks whose end is before their pool's cutoff, oldest first per
   * pool, with their tags, output chunks, webhook deliveries and the rows of every table in
   * TASK_OWNED_TABLES, in one transaction. PENDING and RUNNING tasks are never deleted, nor a
   * task another remaining task was deduplicated from (its output is that task's too). Graph
   * executions keep the id of a deleted task (the link dangles; the graph stays); bot events keep
   * their own pruning.
   */
  purgeTasks(request: PurgeTasksRequest): Promise<PurgeTasksResult>;
  /**
   * Takes the lease `name` for `holder` until nowMs + ttlMs when it is free, expired, or already
   * the holder's (then it is renewed). Atomic: of several holders asking at once, one gets it.
   */
  acquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /** Extends the lease only while `holder` still has it; false when it was lost. */
  renewLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` has it (another may take it at once). */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Who holds `name` and until when; undefined when nobody ever took it (tests, diagnostics). */
  getLease(name: string): Promise<{ holder: string; expiresMs: number } | undefined>;
  /**
   * Returns free space to the file system, at most `maxPages` pages per call (SQLite: incremental
   * vacuum; PostgreSQL: nothing, autovacuum reuses the space). Returns the pages still free.
   */
  reclaimSpace(maxPages: number): Promise<number>;
  /**
   * What the store weighs in bytes: the SQLite file (and its WAL); in PostgreSQL the tables and
   * indexes of the store's schema.
   */
  sizeBytes(): Promise<number>;
}
