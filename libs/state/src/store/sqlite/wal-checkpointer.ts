import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { clearTimeout, setTimeout } from 'node:timers';
import { Worker } from 'node:worker_threads';

/** Commits before the worker starts: a store that barely writes (most tests) never starts one. */
const START_AFTER_COMMITS = 64;
/** At most one checkpoint this often while commits keep coming. */
const EVERY_MS = 100;
/**
 * The main connection's own automatic checkpoint once the worker runs: only a backstop, for a
 * worker that died or cannot keep up (SQLite's default is 1,000 pages).
 */
const BACKSTOP_PAGES = 10_000;
const DEFAULT_PAGES = 1_000;

/**
 * The worker: its own connection to the database file, one PASSIVE checkpoint per message.
 * CommonJS, evaluated as is (no loader needed); the driver's path comes from the main thread.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String((err && err.message) || err) });
  }
});
parentPort.postMessage({ ready: true });
`;

type WorkerAnswer =
  | { readonly ready: true }
  | { readonly ok: true; readonly log: number; readonly checkpointed: number }
  | { readonly ok: false; readonly error: string };

/**
 * Moves WAL checkpoints off the event loop. In WAL mode SQLite copies the log back into the
 * database file (and, with synchronous=NORMAL, fsyncs both) inside whichever COMMIT crosses
 * 1,000 pages: a busy coordinator's commit then takes milliseconds, and every dispatch waiting
 * on it too. Here a worker thread with its own connection checkpoints (PASSIVE: never blocking a
 * writer) at most every 100 ms while commits come; the main connection keeps an automatic
 * checkpoint at 10,000 pages as a backstop, and its default again if the worker fails.
 * Durability is unchanged: a commit is in the WAL when it returns, checkpointed or not.
 */
export class WalCheckpointer {
  readonly #db: Database.Database;
  readonly #path: string;
  #worker: Worker | undefined;
  #ready = false;
  #commits = 0;
  #dirty = false;
  #inFlight = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #failed = false;
  #exited = false;
  readonly #warn: (message: string) => void;

  /** `warn` hears why checkpoints went back to the main thread (default: a process warning). */
  constructor(
    db: Database.Database,
    path: string,
    warn: (message: string) => void = (m) => process.emitWarning(m),
  ) {
    this.#db = db;
    this.#path = path;
    this.#warn = warn;
  }

  /** A transaction committed: a checkpoint follows within EVERY_MS. */
  committed(): void {
    if (this.#closed || this.#failed) return;
    this.#dirty = true;
    if (this.#worker === undefined) {
      if (++this.#commits < START_AFTER_COMMITS) return;
      try {
        this.#start();
      } catch (err) {
        this.#fail(`the checkpoint worker did not start: ${(err as Error).message}`);
      }
      return;
    }
    this.#schedule();
  }

  /** Stops the worker (its connection closed first); safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const worker = this.#worker;
    if (worker === undefined || this.#exited) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 2_000);
    await exited;
    clearTimeout(timer);
  }

  #start(): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path: this.#path },
      // Not the parent's loader flags: the worker is plain CommonJS.
      execArgv: [],
    });
    this.#worker = worker;
    worker.unref();
    worker.on('message', (m: WorkerAnswer) => this.#answer(m));
    worker.on('error', (err) => this.#fail(err.message));
    worker.on('exit', () => {
      this.#exited = true;
      if (!this.#closed) this.#fail('the checkpoint worker exited');
    });
  }

  #answer(m: WorkerAnswer): void {
    if ('ready' in m) {
      if (this.#closed) return;
      this.#ready = true;
      this.#db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      this.#schedule();
      return;
    }
    this.#inFlight = false;
    if (!m.ok) {
      this.#fail(m.error);
      return;
    }
    if (this.#dirty) this.#schedule();
  }

  #schedule(): void {
    if (!this.#ready || this.#inFlight || this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#dirty || this.#closed) return;
      this.#dirty = false;
      this.#inFlight = true;
      this.#worker?.postMessage('checkpoint');
    }, EVERY_MS);
    this.#timer.unref();
  }

  /** The worker is gone or failing: the main connection checkpoints by itself again. */
  #fail(reason: string): void {
    if (this.#failed || this.#closed) return;
    this.#failed = true;
    this.#ready = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
    void this.#worker?.terminate();
    this.#warn(`SQLite checkpoints back on the main thread: ${reason}`);
  }
}
