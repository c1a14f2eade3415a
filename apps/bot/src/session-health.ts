import { MAX_BOT_DIMENSION_VALUES, MAX_BOT_HEALTH_CACHES, type BotHealth } from '@drover/protocol';
import type { Logger } from 'pino';
import type { CacheManager } from './caches';
import type { Dimensions } from './config';
import { healthNow, lowDiskReason } from './health';
import { STOP_REASON_TEXT, type FreeDiskProbe, type StopReason } from './session-types';

export interface SessionHealthOptions {
  readonly botDir: string;
  readonly dimensions: Dimensions;
  readonly caches: CacheManager;
  readonly freeDiskProbe: FreeDiskProbe;
  /** 0: off. */
  readonly minFreeDiskBytes: number;
  readonly log: Logger;
}

/**
 * What Hello and heartbeats say of the bot: its health (free disk, running task, why it takes no
 * tasks) and its dimensions with the named caches. Keeps the latest free-disk measure, the
 * low-disk quarantine it implies, the self-update's reason, and the dimensions as last sent.
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

  /** Takes no tasks while `reason` is set; ''  takes them again. Returns whether it changed. */
  setUpdating(reason: string): boolean {
    if (reason === this.#updating) return false;
    this.#updating = reason;
    return true;
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

  /** The dimensions now if they differ from those last sent (then recorded as sent). */
  changedDimensions(): Dimensions | undefined {
    const before = this.#sentDimensions;
    const dims = this.dimensionsNow();
    return this.#sentDimensions === before ? undefined : dims;
  }

  /** Stopping wins in quarantined_reason: it is for good; low disk may clear. */
  health(runningTaskId: string, stopping: StopReason | undefined): BotHealth {
    const quarantinedReason =
      stopping !== undefined
        ? STOP_REASON_TEXT[stopping]
        : this.#lowDisk !== ''
          ? this.#lowDisk
          : this.#updating;
    return {
      ...healthNow({ freeDiskBytes: this.#freeDisk, runningTaskId, quarantinedReason }),
      caches: this.#opts.caches
        .info()
        .slice(0, MAX_BOT_HEALTH_CACHES)
        .map((c) => ({ name: c.name, size_bytes: c.sizeBytes })),
    };
  }
}
