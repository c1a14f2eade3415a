/**
 * The content-addressed storage's records (issue 26): which blobs the coordinator holds (for the
 * blob GC), who uploaded each (Download access), and which tasks reference which blobs — a task's
 * input tree and its files at NewTask, its output files at its end (Download access, GC). The
 * blobs themselves are files on the coordinator's disk (apps/coordinator/src/cas/); a reference
 * row goes with its task (the foreign key cascades when the task is deleted).
 */

/** A blob the store knows of. */
export interface CasBlobRecord {
  readonly hash: string;
  readonly sizeBytes: number;
  /** When it was first recorded. */
  readonly createdMs: number;
  /**
   * The last time an upload, a FindMissing or a NewTask saw it held: the blob GC deletes only
   * blobs untouched since before now − retention, so one touched after a sweep started stays.
   */
  readonly touchedMs: number;
}

/** A blob and its size. */
export interface CasBlobSize {
  readonly hash: string;
  readonly sizeBytes: number;
}

/** A RUNNING task referencing a blob, and the bot running it. */
export interface CasRunningReferrer {
  readonly taskId: string;
  readonly botId: string;
}

/** The CAS half of the Store port; each method one statement or one transaction. */
export interface CasStore {
  /**
   * Records that the blobs are held as of `nowMs`: a new row (created = touched = nowMs) for a
   * blob not recorded yet, a touch (touched = max(touched, nowMs)) otherwise. With `uploader`
   * (not ''), also records that this principal uploaded them (Upload).
   */
  touchCasBlobs(blobs: readonly CasBlobSize[], nowMs: number, uploader?: string): Promise<void>;
  /** The blob's record, if any. */
  getCasBlob(hash: string): Promise<CasBlobRecord | undefined>;
  /** Whether `uploader` uploaded the blob (Download access). */
  isCasUploader(hash: string, uploader: string): Promise<boolean>;
  /**
   * Records that the task references these blobs (its input tree and files, its outputs), with
   * the task's pool as `taskPoolOf` gives it. Idempotent. The task must exist.
   */
  addCasReferences(taskId: string, pool: string, hashes: readonly string[]): Promise<void>;
  /** The distinct pools of the tasks referencing the blob, at most `limit` of them. */
  casReferencePools(hash: string, limit: number): Promise<string[]>;
  /** Whether one of these tasks references the blob. */
  isCasReferencedByTask(hash: string, taskIds: readonly string[]): Promise<boolean>;
  /** The RUNNING tasks referencing the blob, with their bots, at most `limit` of them. */
  casRunningReferrers(hash: string, limit: number): Promise<CasRunningReferrer[]>;
  /**
   * Blobs no task references and untouched since before `cutoffMs`, least recently touched
   * first, at most `limit`: what the blob GC may delete.
   */
  listCasGarbage(cutoffMs: number, limit: number): Promise<CasBlobSize[]>;
  /**
   * Deletes the blob's record (and its uploaders) only if it is still garbage: unreferenced and
   * untouched since before `cutoffMs`, checked in the same statement. True when it did: the
   * caller may then remove the file (a blob touched meanwhile, here or on another replica, keeps
   * its row and its file).
   */
  deleteCasBlobIfGarbage(hash: string, cutoffMs: number): Promise<boolean>;
  /** Blobs recorded and their total size (drover_cas_bytes). */
  casTotals(): Promise<{ blobs: number; bytes: number }>;
}
