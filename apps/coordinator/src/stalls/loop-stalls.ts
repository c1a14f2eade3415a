import { performance } from 'node:perf_hooks';
import { stalledMsWithin, type Stall } from './silence';

export interface LoopStallsOptions {
  /** The clock silences are measured with (the coordinator's; tests may move it). */
  readonly clock: () => number;
  /**
   * A monotonic clock that lateness is measured with: a wall clock stepped by NTP, or a test
   * clock moved forward, is not a stall. @default performance.now
   */
  readonly monotonic?: () => number;
  /** A timer later than this ran after a stall (below it: ordinary jitter). @default 250 */
  readonly lateMs?: number;
  /** The sampling timer's period: stalls are noticed within this much. @default 100 */
  readonly sampleEveryMs?: number;
  /** Stalls older than this are forgotten. @default 3_600_000 (an hour) */
  readonly keepMs?: number;
  /** Told of each stall the sampling timer sees (once per stall), e.g. to log it. */
  readonly onStall?: (stall: Stall) => void;
}

/** At most this many stalls are kept (the oldest go first). */
const MAX_STALLS = 1024;

/**
 * The spans during which this process's event loop did not run (blocked by synchronous work, or
 * the process stopped: SIGSTOP, a suspended VM), as seen by a sampling timer that notices it ran
 * late, and by any other timer that reports its own lateness (`noteLate`) before the sampler
 * runs. Watchdogs subtract these spans from a peer's silence (silence.ts).
 */
export class LoopStalls {
  readonly clock: () => number;
  readonly monotonic: () => number;
  readonly lateMs: number;
  readonly #sampleEveryMs: number;
  readonly #keepMs: number;
  readonly #onStall: ((stall: Stall) => void) | undefined;
  #stalls: Stall[] = [];
  #timer: NodeJS.Timeout | undefined;
  #dueAtMs = 0;
  /** The longest stall seen, in ms (a figure for metrics and tests). */
  #longestMs = 0;

  constructor(opts: LoopStallsOptions) {
    this.clock = opts.clock;
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.lateMs = opts.lateMs ?? 250;
    this.#sampleEveryMs = opts.sampleEveryMs ?? 100;
    this.#keepMs = opts.keepMs ?? 3_600_000;
    this.#onStall = opts.onStall;
  }

  /** Starts sampling; idempotent. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#dueAtMs = this.monotonic() + this.#sampleEveryMs;
    this.#timer = setInterval(() => this.#sample(), this.#sampleEveryMs);
    this.#timer.unref();
  }

  /** Stops sampling; idempotent. What was recorded stays readable. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get stalls(): readonly Stall[] {
    return this.#stalls;
  }

  get longestMs(): number {
    return this.#longestMs;
  }

  /**
   * When a timer due at `dueAtMonoMs` (monotonic) was due, on `clock`: now less its lateness.
   * Later than `lateMs`, the stall it reveals is recorded.
   */
  dueAtMs(dueAtMonoMs: number): number {
    return this.#late(dueAtMonoMs).dueAtMs;
  }

  record(stall: Stall): void {
    this.#longestMs = Math.max(this.#longestMs, stall.toMs - stall.fromMs);
    const last = this.#stalls.at(-1);
    if (last !== undefined && stall.fromMs <= last.toMs && stall.toMs >= last.fromMs) {
      // Seen by two timers: one span.
      this.#stalls[this.#stalls.length - 1] = {
        fromMs: Math.min(last.fromMs, stall.fromMs),
        toMs: Math.max(last.toMs, stall.toMs),
      };
    } else {
      this.#stalls.push(stall);
    }
    const oldestMs = stall.toMs - this.#keepMs;
    while (
      this.#stalls.length > MAX_STALLS ||
      (this.#stalls.length > 0 && this.#stalls[0]!.toMs < oldestMs)
    ) {
      this.#stalls.shift();
    }
  }

  stalledMsWithin(fromMs: number, toMs: number): number {
    return stalledMsWithin(this.#stalls, fromMs, toMs);
  }

  #late(dueAtMonoMs: number): { dueAtMs: number; stall: Stall | undefined } {
    const lateByMs = Math.max(0, this.monotonic() - dueAtMonoMs);
    const nowMs = this.clock();
    const stall = lateByMs >= this.lateMs ? { fromMs: nowMs - lateByMs, toMs: nowMs } : undefined;
    if (stall !== undefined) this.record(stall);
    return { dueAtMs: nowMs - lateByMs, stall };
  }

  #sample(): void {
    const { stall } = this.#late(this.#dueAtMs);
    this.#dueAtMs = this.monotonic() + this.#sampleEveryMs;
    if (stall !== undefined) this.#onStall?.(stall);
  }
}

/** Resolves after two turns of the event loop: input already waiting in sockets has been read. */
export function afterPendingInput(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
