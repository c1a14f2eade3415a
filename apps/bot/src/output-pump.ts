import type { Readable } from 'node:stream';
import { formatBytes } from '@drover/protocol';

/**
 * Reads a payload's stdout and stderr as one stream, in order of arrival, and keeps the bot's
 * memory bounded whatever the payload prints:
 *
 * - **Cap.** At most `maxBytes` go to `onOutput`; the rest is still read (so the payload never
 *   blocks on a full pipe for it) but dropped, and `truncationMarker()` is the line that says so.
 * - **Backpressure.** `pause()` stops reading the pipes (the payload then blocks on write) until
 *   `resume()`; the session pauses while too much output waits for the coordinator's Ack. Past
 *   the cap, or once `release()`d (the payload ended and is swept: what is left in the pipes is
 *   bounded by their buffers), a pause has no effect: dropping or the last bytes cost nothing.
 */

export const DEFAULT_MAX_OUTPUT_BYTES = 100 * 1024 ** 2;

export interface OutputPumpOptions {
  readonly streams: readonly Readable[];
  /** Bytes delivered at most. */
  readonly maxBytes: number;
  readonly onOutput: (bytes: Buffer) => void;
  /** Every chunk read, delivered or dropped (the I/O timeout's sign of life). */
  readonly onRead: () => void;
}

export class OutputPump {
  /** Bytes given to `onOutput`. */
  delivered = 0;
  /** Bytes read past the cap. */
  dropped = 0;
  /** Resolves once every stream closed (or was destroyed). */
  readonly closed: Promise<void>;
  private pauseWanted = false;
  private released = false;
  private flowing = true;
  private readonly onData = (chunk: Buffer) => this.take(chunk);

  constructor(private readonly o: OutputPumpOptions) {
    this.closed = Promise.all(
      o.streams.map((s) => new Promise<void>((resolve) => s.once('close', resolve))),
    ).then(() => {});
    for (const s of o.streams) {
      s.on('data', this.onData);
      // A pipe that fails is destroyed and closes: its output ends there, the task goes on.
      s.on('error', ignoreError);
    }
  }

  /** Whether the pipes are not being read now. */
  get paused(): boolean {
    return !this.flowing;
  }

  pause(): void {
    this.pauseWanted = true;
    this.apply();
  }

  resume(): void {
    this.pauseWanted = false;
    this.apply();
  }

  /** The payload ended: read to the end from now on, whatever pause() says. */
  release(): void {
    this.released = true;
    this.apply();
  }

  /**
   * Waits for the pipes to close, at most `drainMs`: a descendant that escaped every sweep may
   * hold them open for good, and then they are abandoned (destroyed).
   */
  async drain(drainMs: number): Promise<void> {
    this.release();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), drainMs)),
    );
    const outcome = await Promise.race([this.closed, late]);
    clearTimeout(timer);
    if (outcome === 'late') for (const s of this.o.streams) s.destroy();
  }

  /** The line that ends a truncated output; undefined if nothing was dropped. */
  truncationMarker(): Buffer | undefined {
    if (this.dropped === 0) return undefined;
    return Buffer.from(
      `\n[drover: output truncated: ${this.dropped} bytes dropped past the ${formatBytes(this.o.maxBytes)} cap]\n`,
    );
  }

  /** Stops listening (the streams are the subprocess's to close). */
  detach(): void {
    for (const s of this.o.streams) s.off('data', this.onData);
  }

  private take(chunk: Buffer): void {
    this.o.onRead();
    const room = this.o.maxBytes - this.delivered;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.dropped += chunk.length - kept.length;
    this.delivered += kept.length;
    this.o.onOutput(kept);
    // Reaching the cap lifts a pause: from here on, reading only drops.
    if (this.delivered >= this.o.maxBytes) this.apply();
  }

  private apply(): void {
    const flowing = !this.pauseWanted || this.released || this.delivered >= this.o.maxBytes;
    if (flowing === this.flowing) return;
    this.flowing = flowing;
    for (const s of this.o.streams) {
      if (flowing) s.resume();
      else s.pause();
    }
  }
}

function ignoreError(): void {}
