/**
 * The coordinator's own cap on a task's stored output (`--max-task-output`), whatever the bot
 * claims its cap is. Pure: which part of an Output message is stored, and where the bot is told
 * the coordinator got to.
 *
 * Bytes below the cap are stored at their offsets, as the bot sent them. The first message that
 * reaches the cap stores the part below it, then one marker line at the cap's offset (the same
 * kind of line the bot writes past its --max-output; with both caps equal, the bot's own marker
 * is the first piece past the cap and the coordinator's takes its place). Everything past the
 * cap is acknowledged at its end without being stored, so the bot drops it and the task goes on.
 * The marker is the same bytes every time, so a resend after a reconnect finds it stored already.
 */

/** The bot's default --max-output (apps/bot output-pump.ts): the same cap on both sides. */
export const DEFAULT_MAX_TASK_OUTPUT_BYTES = 100 * 1024 ** 2;

export type OutputPlan =
  /** Wholly below the cap: stored as it is. */
  | { readonly kind: 'store' }
  /** Reaches the cap: store `head` (possibly empty), then the marker; Ack at `end`. */
  | { readonly kind: 'store-head'; readonly head: Uint8Array; readonly end: number }
  /** Wholly at or past the cap: nothing stored but the marker (once); Ack at `end`. */
  | { readonly kind: 'drop'; readonly end: number };

export function planOutput(offset: number, data: Uint8Array, capBytes: number): OutputPlan {
  const end = offset + data.byteLength;
  if (end <= capBytes) return { kind: 'store' };
  if (offset >= capBytes) return { kind: 'drop', end };
  return { kind: 'store-head', head: data.subarray(0, capBytes - offset), end };
}

/** The line stored after a task's first `capBytes` of output. */
export function coordinatorTruncationMarker(capBytes: number): Buffer {
  return Buffer.from(
    `\n[drover: output truncated: the coordinator stores at most ${capBytes} bytes per task (--max-task-output); the rest is dropped]\n`,
  );
}
