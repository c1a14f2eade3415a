/**
 * Wall-clock time with sub-millisecond precision, comparable with a timestamp a payload takes in
 * another process (`date +%s%N`, CLOCK_REALTIME). Date.now() has only millisecond resolution, and
 * performance.timeOrigin + performance.now() drifts from the real-time clock as NTP slews it;
 * so a WallClock is anchored on a Date.now() tick and re-anchored (once a round) with anchor().
 */
export class WallClock {
  #offsetMs = 0;
  /** CLOCK_REALTIME − CLOCK_MONOTONIC (process.hrtime), ms: the trace's clock (hop-trace.ts). */
  #monoOffsetMs = 0;

  constructor() {
    this.anchor();
  }

  /** Spins (≤ 1 ms) to the next Date.now() tick and takes the monotonic clock there. */
  anchor(): void {
    const first = Date.now();
    let tick = first;
    let mono = performance.now();
    let hr = process.hrtime.bigint();
    while (tick === first) {
      tick = Date.now();
      mono = performance.now();
      hr = process.hrtime.bigint();
    }
    this.#offsetMs = tick - mono;
    this.#monoOffsetMs = tick - Number(hr) / 1e6;
  }

  /**
   * A time of this clock (or a payload's `date +%s%N`) on CLOCK_MONOTONIC, in ms: the clock every
   * process of the machine shares, which the coordinator's and the bot's trace stamps are on.
   */
  toMonoMs(wallMs: number): number {
    return wallMs - this.#monoOffsetMs;
  }

  /** Milliseconds since the epoch, µs precision. */
  nowMs(): number {
    return this.#offsetMs + performance.now();
  }
}

/** The timestamping payload, the same for every side: prints CLOCK_REALTIME in ns as it starts. */
export const STAMP_PAYLOAD: readonly [string, ...string[]] = ['date', '+%s%N'];

/** The payload's `date +%s%N` line as milliseconds since the epoch (µs precision). */
export function parseStampMs(stdout: string | Buffer): number {
  const text = String(stdout).trim();
  if (!/^\d{10,}$/.test(text)) throw new Error(`payload stamp: expected ns digits, got ${text}`);
  return Number(BigInt(text) / 1000n) / 1000;
}
