import { PURGE_BATCH_MAX, type PurgeTasksResult, type Store } from '@drover/state';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { retentionCutoffs, retentionEnabled, type RetentionConfig } from './retention-config';

/**
 * The smallest batch: below it a batch's time is its round trips (PostgreSQL) or a machine that
 * is busy elsewhere, not the rows, and halving again would only slow the purge down.
 */
const MIN_BATCH = 50;

/** The lease's name in the store: one coordinator of several purges at a time. */
export const PURGE_LEASE = 'task-retention';

export type PurgerStore = Pick<
  Store,
  'purgeTasks' | 'acquireLease' | 'renewLease' | 'releaseLease' | 'reclaimSpace'
>;

export interface TaskPurgerOptions {
  readonly store: PurgerStore;
  readonly config: RetentionConfig;
  /** The time cutoffs and the lease are computed from (tests set it). */
  readonly clock: () => number;
  readonly log: Logger;
  /** This coordinator, as the lease's holder. @default a random id */
  readonly holder?: string;
  /** Between two rounds. @default 5 minutes */
  readonly intervalMs?: number;
  /**
   * Between two batches of a round (at least; three times the batch's time when that is more):
   * the store serves everything else meanwhile. @default 20
   */
  readonly pauseMs?: number;
  /** How long the lease lasts unless renewed (renewed at a third of it). @default 60 s */
  readonly leaseTtlMs?: number;
  /**
   * The time one batch should take: the batch size grows (to PURGE_BATCH_MAX) while batches are
   * quicker, and shrinks when slower (tasks with much output, many CAS references). @default 5
   */
  readonly batchTargetMs?: number;
  /** Pages returned to the file system per reclaimSpace call (SQLite). @default 256 (1 MiB) */
  readonly reclaimPages?: number;
  /** Told about every batch that deleted something (metrics). */
  readonly onPurged?: (result: PurgeTasksResult) => void;
}

/** What one round did. */
export interface PurgeRound {
  /** false: another coordinator holds the lease (or retention is off): nothing was done. */
  readonly ran: boolean;
  readonly tasks: number;
  readonly rows: number;
  readonly bytes: number;
  readonly batches: number;
  /** The longest batch, in ms (the longest the store was held for the purge). */
  readonly longestBatchMs: number;
}

/**
 * Deletes final tasks past their retention (issue 26): at start and every `intervalMs`, if this
 * coordinator gets the lease, batch after batch (each one transaction of at most PURGE_BATCH_MAX
 * tasks, sized to take about `batchTargetMs`) with a pause between, until nothing is due; then
 * gives the freed pages back to the file system (SQLite) and the lease up.
 */
export class TaskPurger {
  readonly #o: TaskPurgerOptions;
  readonly #holder: string;
  readonly #intervalMs: number;
  readonly #pauseMs: number;
  readonly #leaseTtlMs: number;
  readonly #targetMs: number;
  readonly #reclaimPages: number;
  #batch = 100;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<PurgeRound> | undefined;
  #closed = false;

  constructor(options: TaskPurgerOptions) {
    this.#o = options;
    this.#holder = options.holder ?? `coordinator-${randomUUID()}`;
    this.#intervalMs = options.intervalMs ?? 5 * 60_000;
    this.#pauseMs = options.pauseMs ?? 20;
    this.#leaseTtlMs = options.leaseTtlMs ?? 60_000;
    this.#targetMs = options.batchTargetMs ?? 5;
    this.#reclaimPages = options.reclaimPages ?? 256;
  }

  get holder(): string {
    return this.#holder;
  }

  /** A round now (in the background), then one every intervalMs. */
  start(): void {
    if (this.#closed || !retentionEnabled(this.#o.config)) return;
    this.#schedule(0);
  }

  /**
   * One round now (or the one under way): purges until nothing is due, if the lease is had.
   * Errors are logged, not thrown (the next round tries again).
   */
  runRound(): Promise<PurgeRound> {
    this.#round ??= this.#runRound().finally(() => (this.#round = undefined));
    return this.#round;
  }

  /** Stops the rounds; waits for the batch under way. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => undefined);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.runRound().finally(() => this.#schedule(this.#intervalMs));
    }, ms);
    this.#timer.unref();
  }

  async #runRound(): Promise<PurgeRound> {
    const totals = { tasks: 0, rows: 0, bytes: 0, batches: 0, longestBatchMs: 0 };
    const { store, config, clock, log } = this.#o;
    if (!retentionEnabled(config)) return { ran: false, ...totals };
    let held = false;
    let acquired = false;
    try {
      held = await store.acquireLease(PURGE_LEASE, this.#holder, clock(), this.#leaseTtlMs);
      acquired = held;
      if (!held) return { ran: false, ...totals };
      let renewedAt = clock();
      while (!this.#closed) {
        if (clock() - renewedAt >= this.#leaseTtlMs / 3) {
          held = await store.renewLease(PURGE_LEASE, this.#holder, clock(), this.#leaseTtlMs);
          if (!held) {
            log.warn({}, 'retention lease lost while purging; another coordinator goes on');
            break;
          }
          renewedAt = clock();
        }
        const started = performance.now();
        const result = await store.purgeTasks({
          ...retentionCutoffs(config, clock()),
          limit: this.#batch,
        });
        const tookMs = performance.now() - started;
        this.#resize(tookMs, result.tasks);
        if (result.tasks === 0) break;
        totals.tasks += result.tasks;
        totals.rows += result.rows;
        totals.bytes += result.bytes;
        totals.batches++;
        totals.longestBatchMs = Math.max(totals.longestBatchMs, tookMs);
        this.#o.onPurged?.(result);
        // Freed pages back to the file system now and then, not only at the end of a long round.
        if (totals.batches % 20 === 0) await this.#reclaim();
        // The purge takes at most a quarter of the time, however slow the machine is now.
        await sleep(Math.max(this.#pauseMs, 3 * tookMs));
      }
      if (totals.tasks > 0) {
        await this.#reclaim();
        log.info(
          {
            tasks: totals.tasks,
            rows: totals.rows,
            bytes: totals.bytes,
            batches: totals.batches,
            longestBatchMs: Math.round(totals.longestBatchMs * 10) / 10,
          },
          'purged final tasks past their retention',
        );
      }
    } catch (err) {
      log.error({ err }, 'purging old tasks failed; the next round tries again');
    } finally {
      if (held) {
        await store.releaseLease(PURGE_LEASE, this.#holder).catch(() => undefined);
      }
    }
    return { ran: acquired, ...totals };
  }

  /** Grows or shrinks the next batch so that one takes about batchTargetMs. */
  #resize(tookMs: number, tasks: number): void {
    if (tasks < this.#batch) return;
    if (tookMs < this.#targetMs / 2) this.#batch = Math.min(PURGE_BATCH_MAX, this.#batch * 2);
    else if (tookMs > this.#targetMs * 2) {
      this.#batch = Math.max(MIN_BATCH, Math.floor(this.#batch / 2));
    }
  }

  /** incremental vacuum in small steps, a pause between, until no free page is left. */
  async #reclaim(): Promise<void> {
    for (let i = 0; i < 100_000 && !this.#closed; i++) {
      const free = await this.#o.store.reclaimSpace(this.#reclaimPages);
      if (free === 0) return;
      await sleep(this.#pauseMs);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
