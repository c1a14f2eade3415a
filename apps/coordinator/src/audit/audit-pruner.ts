import type { AuditStore } from '@drover/state';
import type { Logger } from 'pino';

export interface AuditPrunerOptions {
  readonly store: Pick<AuditStore, 'pruneAudit'>;
  /** How long entries are kept (`--audit-retention`); 0 = forever (the pruner does nothing). */
  readonly retentionMs: number;
  /** The time the cutoff is computed from (tests set it). */
  readonly clock: () => number;
  readonly log: Logger;
  /** Between two rounds. @default 5 minutes */
  readonly intervalMs?: number;
  /** Entries deleted per statement. @default 500 */
  readonly batch?: number;
  /** Between two batches of a round: the store serves everything else meanwhile. @default 20 */
  readonly pauseMs?: number;
  /** Told after every round that deleted something (tests wait on it). */
  readonly onPruned?: (entries: number) => void;
}

/**
 * Deletes audit entries older than `--audit-retention` (issue 22): at start and every
 * `intervalMs`, batch after batch (each one statement of at most `batch` entries, oldest first)
 * with a pause between, until nothing is due. Every replica may run it: a batch deletes what is
 * due whoever runs it, so two replicas only share the work. Its timers never keep the process
 * alive; `close()` stops it and waits for a batch in flight.
 */
export class AuditPruner {
  readonly #o: AuditPrunerOptions;
  readonly #intervalMs: number;
  readonly #batch: number;
  readonly #pauseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<number> | undefined;
  #closed = false;

  constructor(options: AuditPrunerOptions) {
    this.#o = options;
    this.#intervalMs = options.intervalMs ?? 5 * 60_000;
    this.#batch = options.batch ?? 500;
    this.#pauseMs = options.pauseMs ?? 20;
  }

  /** Prunes now, then every interval; nothing when retention is 0. */
  start(): void {
    if (this.#o.retentionMs <= 0 || this.#closed || this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#background(), this.#intervalMs);
    this.#timer.unref();
    void this.#background();
  }

  /**
   * One round: deletes every entry older than now − retention, in batches; resolves with how
   * many. A round already running is joined, not doubled.
   */
  runRound(): Promise<number> {
    this.#round ??= this.#prune().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => undefined);
  }

  async #background(): Promise<void> {
    try {
      await this.runRound();
    } catch (err) {
      this.#o.log.warn({ err }, 'audit log pruning failed; next round later');
    }
  }

  async #prune(): Promise<number> {
    const { store, retentionMs, clock, log } = this.#o;
    if (retentionMs <= 0) return 0;
    const beforeMs = clock() - retentionMs;
    let total = 0;
    while (!this.#closed) {
      const n = await store.pruneAudit(beforeMs, this.#batch);
      total += n;
      if (n < this.#batch) break;
      await new Promise<void>((resolve) => setTimeout(resolve, this.#pauseMs).unref());
    }
    if (total > 0) {
      log.info({ entries: total, beforeMs }, 'audit entries past retention deleted');
      this.#o.onPruned?.(total);
    }
    return total;
  }
}
