import { MAX_BOT_DIMENSION_VALUES, MAX_BOT_HEALTH_CACHES, type BotHealth } from '@drover/protocol';
import type { Logger } from 'pino';
import type { CacheManager } from './caches';
import type { CasCache } from './cas-cache';
import type { Dimensions } from './config';
import { healthNow, lowDiskReason } from './health';
import { STOP_REASON_TEXT, type FreeDiskProbe, type StopReason } from './session-types';
import type { Link } from './task-slot';
import { dimensionsToWire } from './wire';

export interface SessionHealthOptions {
  readonly botDir: string;
  readonly dimensions: Dimensions;
  readonly caches: CacheManager;
  /** The input cache: BotHealth.input_trees. */
  readonly casCache?: CasCache;
  readonly freeDiskProbe: FreeDiskProbe;
  /** 0: off. */
  readonly minFreeDiskBytes: number;
  readonly log: Logger;
  /** The session's stream: heartbeats go only while it is up. */
  readonly link: Link;
  /** The task whose payload runs now, or ''. */
  readonly runningTaskId: () => string;
  /** Why the bot stops, once it does. */
  readonly stopReason: () => StopReason | undefined;
}

/**
 * What the bot says of itself on Hello and heartbeats: its health (free disk, running task, why
 * it takes no tasks) and its dimensions with the named caches. Keeps the latest free-disk
 * measure, the low-disk quarantine it implies, the self-update's reason, and the dimensions as
 * last sent. The session owns the heartbeat timer; this writes the heartbeats.
 */
export class SessionHealth {
  readonly #opts: SessionHealthOptions;
  /** From the latest statfs of the bot dir. */
  #freeDisk: number | undefined;
  /** `low disk: …` while the free disk is below the minimum, '' otherwise. */
  #lowDisk = '';
  /** `updating to <version>` while the bot fetches new code (update/updater.ts), else ''. */
  #updating = '';
  /** The dimensions as last sent (Hello or a heartbeat), JSON. */
  #sentDimensions = '';
  /** BotHealth.input_trees as last sent, JSON. */
  #sentInputTrees = '[]';
  /** A periodic heartbeat is measuring the disk: the next tick skips rather than overlap it. */
  #tickBusy = false;

  constructor(opts: SessionHealthOptions) {
    this.#opts = opts;
  }

  /** Measures the free disk of the bot dir; quarantines the bot below the minimum. */
  async measureDisk(): Promise<void> {
    const { botDir, minFreeDiskBytes, log } = this.#opts;
    this.#freeDisk = await this.#opts.freeDiskProbe(botDir);
    const lowDisk = lowDiskReason(this.#freeDisk, minFreeDiskBytes);
    if (lowDisk === this.#lowDisk) return;
    const was = this.#lowDisk;
    this.#lowDisk = lowDisk;
    const fields = { freeDiskBytes: this.#freeDisk, minFreeDiskBytes, botDir };
    if (lowDisk !== '' && was === '') log.warn(fields, 'low disk: taking no tasks');
    else if (lowDisk === '') log.info(fields, 'disk space recovered: taking tasks again');
  }

  /** Periodic: measures the free disk, then says how the bot is. */
  async tick(): Promise<void> {
    if (this.#tickBusy) return;
    this.#tickBusy = true;
    try {
      await this.measureDisk();
      this.sendNow();
    } finally {
      this.#tickBusy = false;
    }
  }

  /** A heartbeat written now (state as of now), if the stream can take it. */
  sendNow(): void {
    const { link } = this.#opts;
    if (link.isUp()) link.write({ heartbeat: { state: this.healthNow() } });
  }

  /** Takes no tasks while `reason` is set (said on a heartbeat now); '' takes them again. */
  setUpdating(reason: string): void {
    if (reason === this.#updating) return;
    this.#updating = reason;
    this.sendNow();
  }

  /**
   * The probed dimensions plus `caches` (the names of the named caches kept), when any: the
   * first MAX_BOT_DIMENSION_VALUES by name, the most the coordinator takes (docs/limits.md).
   * Recorded as sent.
   */
  dimensionsNow(): Dimensions {
    const names = this.#opts.caches.names().slice(0, MAX_BOT_DIMENSION_VALUES);
    const dims =
      names.length === 0 ? this.#opts.dimensions : { ...this.#opts.dimensions, caches: names };
    this.#sentDimensions = JSON.stringify(dims);
    return dims;
  }

  /**
   * The caches changed (after a task, before its result goes): a heartbeat carrying the new
   * dimensions, so that the coordinator matches the bot with them when it is free again.
   */
  sendDimensionsIfChanged(): void {
    const { link, log } = this.#opts;
    const before = this.#sentDimensions;
    if (!link.isUp()) return; // the next Hello carries them
    const dims = this.dimensionsNow();
    if (this.#sentDimensions === before) return;
    log.info({ caches: dims['caches'] ?? [] }, 'dimensions changed');
    link.write({ heartbeat: { state: this.healthNow(), dimensions: dimensionsToWire(dims) } });
  }

  /**
   * The input trees held changed (a task's tree laid out, blobs evicted): a heartbeat now, so
   * that cache-aware dispatch knows before the next task is chosen.
   */
  sendInputTreesIfChanged(): void {
    const trees = JSON.stringify(this.#opts.casCache?.inputTrees() ?? []);
    if (trees !== this.#sentInputTrees) this.sendNow();
  }

  /** Stopping wins in quarantined_reason: it is for good; low disk may clear. */
  healthNow(): BotHealth {
    const stopping = this.#opts.stopReason();
    const quarantinedReason =
      stopping !== undefined
        ? STOP_REASON_TEXT[stopping]
        : this.#lowDisk !== ''
          ? this.#lowDisk
          : this.#updating;
    return {
      ...healthNow({
        freeDiskBytes: this.#freeDisk,
        runningTaskId: this.#opts.runningTaskId(),
        quarantinedReason,
      }),
      caches: this.#opts.caches
        .info()
        .slice(0, MAX_BOT_HEALTH_CACHES)
        .map((c) => ({ name: c.name, size_bytes: c.sizeBytes })),
      input_trees: this.#inputTreesNow(),
    };
  }

  #inputTreesNow(): string[] {
    const trees = this.#opts.casCache?.inputTrees() ?? [];
    this.#sentInputTrees = JSON.stringify(trees);
    return trees;
  }
}
