import type { Store } from '@drover/state';
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import type { OutputStore } from '../outputs/output-store';

/** Blobs looked at per round; a round is one store read and one write per blob. */
export const GC_ROUND_BLOBS = 500;
/** Rounds per sweep at most: a sweep that does not finish goes on at the next one. */
const MAX_ROUNDS = 100;
/** Pause between rounds, so the store and the disk serve others. */
const ROUND_PAUSE_MS = 50;
/** A sweep every hour (and one at start). */
export const GC_INTERVAL_MS = 3600 * 1000;

export interface BlobGcMetrics {
  readonly casBytes: Gauge;
  readonly blobsDeleted: Counter;
  readonly bytesDeleted: Counter;
}

/**
 * The blob GC (--cas-retention): blobs no task references and untouched (uploaded, found by
 * FindMissing, checked by a NewTask) since before now − retention are deleted, file and row. Safe
 * with several replicas on one --cas-dir: the row goes first, in one statement that re-checks it
 * is still garbage (so a blob touched after the sweep listed it stays), then the file is moved
 * aside, the row looked at again (a replica that touched it meanwhile has written a new one: the
 * file goes back), and only then deleted. A blob uploaded after the sweep started is touched after
 * its start, so never older than the cutoff.
 */
export class BlobGc {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly blobs: OutputStore;
      readonly clock: () => number;
      readonly log: Logger;
      /** 0 = off (no sweep; the size gauge is still refreshed at start). */
      readonly retentionMs: number;
      readonly metrics?: BlobGcMetrics;
      readonly intervalMs?: number;
      readonly roundPauseMs?: number;
    },
  ) {}

  /** A sweep now (in the background), then every interval. */
  start(): void {
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), this.deps.intervalMs ?? GC_INTERVAL_MS);
    this.#timer.unref();
  }

  close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    return this.#running ?? Promise.resolve();
  }

  /** One sweep (or the one running); resolves when it ends. Never rejects: failures are logged. */
  sweep(): Promise<void> {
    this.#running ??= this.#sweep()
      .catch((err: unknown) => this.deps.log.warn({ err }, 'blob GC sweep failed'))
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #sweep(): Promise<void> {
    const { store, blobs, clock, log, retentionMs, metrics } = this.deps;
    if (retentionMs > 0) {
      const startedMs = clock();
      const cutoffMs = startedMs - retentionMs;
      let deleted = 0;
      let bytes = 0;
      for (let round = 0; round < MAX_ROUNDS && !this.#closed; round++) {
        const garbage = await store.listCasGarbage(cutoffMs, GC_ROUND_BLOBS);
        for (const b of garbage) {
          if (this.#closed) break;
          if (!(await store.deleteCasBlobIfGarbage(b.hash, cutoffMs))) continue;
          const taken = await blobs.takeOut(b.hash);
          if (taken !== undefined) {
            // Written again since the row went (an upload or a FindMissing here or on another
            // replica, which also holds the file): it stays.
            const rewritten = (await store.getCasBlob(b.hash)) !== undefined;
            await blobs.keepOrDrop(taken, b.hash, rewritten);
            if (rewritten) continue;
          }
          deleted += 1;
          bytes += b.sizeBytes;
          metrics?.blobsDeleted.inc();
          metrics?.bytesDeleted.inc(b.sizeBytes);
        }
        if (garbage.length < GC_ROUND_BLOBS) break;
        await new Promise((r) => setTimeout(r, this.deps.roundPauseMs ?? ROUND_PAUSE_MS));
      }
      if (deleted > 0) log.info({ deleted, bytes, cutoffMs }, 'blob GC deleted unreferenced blobs');
    }
    metrics?.casBytes.set((await store.casTotals()).bytes);
  }
}
