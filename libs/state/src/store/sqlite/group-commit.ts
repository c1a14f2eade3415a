import type Database from 'better-sqlite3';
import { setImmediate } from 'node:timers';

type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

interface PendingWrite {
  readonly op: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the embedded store. Writes asked for during one turn of the event loop run,
 * in the order asked, in one IMMEDIATE transaction at the end of the turn; each promise settles
 * only after that transaction commits (or rejects if it does not). A commit costs far more than
 * a conditional UPDATE, so a busy coordinator pays it once per turn instead of once per write.
 *
 * Every write keeps its own meaning: each op runs against the state the ops before it left (a
 * conditional write that loses to an earlier one in the batch reports so), and an op that throws
 * is undone alone (single statements are atomic; multi-statement ops are transaction functions,
 * which nest as savepoints) while the others commit. What a caller is told is committed is
 * committed: nothing settles before COMMIT returns.
 *
 * `setImmediate` comes from node:timers so that fake timers (tests) do not hold writes back.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #runAll: Database.Transaction<(batch: readonly PendingWrite[], out: Outcome[]) => void>;
  readonly #onCommit: (() => void) | undefined;
  #pending: PendingWrite[] = [];
  #scheduled = false;

  /** `onCommit` runs after each transaction that committed (the WAL checkpointer listens). */
  constructor(db: Database.Database, onCommit?: () => void) {
    this.#db = db;
    this.#onCommit = onCommit;
    this.#runAll = db.transaction((batch: readonly PendingWrite[], out: Outcome[]) => {
      for (const w of batch) {
        try {
          out.push({ ok: true, value: w.op() });
        } catch (error) {
          // A failure SQLite answers with a rollback of the whole transaction (disk full, I/O):
          // nothing of this batch is committed, so everything in it fails.
          if (!this.#db.inTransaction) throw error;
          out.push({ ok: false, error });
        }
      }
    });
  }

  /** Runs `op` (synchronous SQL) in the next group transaction; settles after it commits. */
  write<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Commits what is pending now (also called by close, before the database goes). */
  readonly flush = (): void => {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const out: Outcome[] = [];
    try {
      this.#runAll.immediate(batch, out);
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      const o = out[i]!;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.error);
    }
    // After the batch is settled: a hook that throws must not leave committed writes waiting.
    try {
      this.#onCommit?.();
    } catch {
      // The checkpointer falls back by itself; nothing here depends on it.
    }
  };
}
