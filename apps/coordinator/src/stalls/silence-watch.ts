import { judgeSilence } from './silence';
import { afterPendingInput, type LoopStalls } from './loop-stalls';

export interface SilenceWatchOptions {
  readonly stalls: LoopStalls;
  /**
   * The silence allowed, read at every check when a function: a bot's changes with the task it
   * runs (the task's own bot_ping_tolerance_secs).
   */
  readonly toleranceMs: number | (() => number);
  /** When the peer was last heard, read at every check (it moves as messages arrive). */
  readonly lastHeardMs: () => number;
  /** Called once, when the peer was silent for the tolerance while this process ran. */
  readonly onSilent: (silentMs: number) => void;
}

/**
 * One timer watching a peer's silence (the thin shell around judgeSilence): it fires at the
 * earliest moment the tolerance could be over, and looks again later while the peer was heard.
 * Fired late (the loop stalled), it first lets waiting input be read, and does not count the
 * stall as the peer's silence. Messages need not re-arm it: they only move `lastHeardMs`.
 */
export class SilenceWatch {
  readonly #opts: SilenceWatchOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(opts: SilenceWatchOptions) {
    this.#opts = opts;
  }

  /**
   * Starts watching (again) from the peer's last-heard time; called again when the tolerance
   * changed, so a shorter one is not judged only when the longer one would have been over.
   */
  start(): void {
    if (this.#stopped) return;
    this.#arm(this.#opts.lastHeardMs() + this.#toleranceMs());
  }

  #toleranceMs(): number {
    const { toleranceMs } = this.#opts;
    return typeof toleranceMs === 'number' ? toleranceMs : toleranceMs();
  }

  /** Stops for good; idempotent. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(atMs: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const { stalls } = this.#opts;
    const delayMs = Math.max(0, atMs - stalls.clock());
    const dueAtMonoMs = stalls.monotonic() + delayMs;
    this.#timer = setTimeout(() => this.#check(stalls.dueAtMs(dueAtMonoMs), false), delayMs);
    this.#timer.unref();
  }

  /** Judges at `dueAtMs`: when this look was due, on the stalls' clock (now, if it was on time). */
  #check(dueAtMs: number, listened: boolean): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const { stalls } = this.#opts;
    const verdict = judgeSilence({
      nowMs: stalls.clock(),
      lastHeardMs: this.#opts.lastHeardMs(),
      toleranceMs: this.#toleranceMs(),
      dueAtMs,
      stalls: stalls.stalls,
      listened,
      lateMs: stalls.lateMs,
    });
    if (verdict.stall !== undefined) stalls.record(verdict.stall);
    switch (verdict.kind) {
      case 'listen-first': {
        void afterPendingInput().then(() => this.#check(stalls.clock(), true));
        return;
      }
      case 'heard':
        this.#arm(verdict.checkAtMs);
        return;
      case 'silent':
        this.#stopped = true;
        this.#opts.onSilent(verdict.silentMs);
        return;
      default: {
        const never: never = verdict;
        throw new Error(`unknown verdict ${JSON.stringify(never)}`);
      }
    }
  }
}
