/**
 * Whether a peer has been silent too long, judged by what this process could have heard: time
 * its own event loop did not run (blocked by work, or the process stopped) is not the peer's
 * silence. Pure: every time comes in as an argument, so that a stall never kills healthy bots.
 */

/** A span during which this process did not run, on its clock: [fromMs, toMs). */
export interface Stall {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The part of [fromMs, toMs) covered by `stalls` (which may overlap), in ms. */
export function stalledMsWithin(stalls: readonly Stall[], fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const clipped = stalls
    .map((s) => ({ fromMs: Math.max(s.fromMs, fromMs), toMs: Math.min(s.toMs, toMs) }))
    .filter((s) => s.toMs > s.fromMs)
    .sort((a, b) => a.fromMs - b.fromMs);
  let total = 0;
  let reachedMs = fromMs;
  for (const s of clipped) {
    const start = Math.max(s.fromMs, reachedMs);
    if (s.toMs > start) total += s.toMs - start;
    reachedMs = Math.max(reachedMs, s.toMs);
  }
  return total;
}

/**
 * The stall a timer reveals when it runs at `nowMs` though it was due at `dueAtMs`: the loop did
 * not run in between. Undefined when it was late by less than `lateMs` (ordinary jitter).
 */
export function stallOfLateTimer(
  dueAtMs: number,
  nowMs: number,
  lateMs: number,
): Stall | undefined {
  return nowMs - dueAtMs >= lateMs ? { fromMs: dueAtMs, toMs: nowMs } : undefined;
}

export interface SilenceCheck {
  readonly nowMs: number;
  /** When the peer was last heard: when this process read its latest message. */
  readonly lastHeardMs: number;
  readonly toleranceMs: number;
  /** When this check was meant to run. */
  readonly dueAtMs: number;
  /** The stalls this process knows of (the late check's own stall need not be among them). */
  readonly stalls: readonly Stall[];
  /**
   * Whether this is the second look after a late first one: pending input has been read since
   * (a check that is late again still decides; the stall it reveals is counted).
   */
  readonly listened: boolean;
  /** Lateness below which a timer is on time. */
  readonly lateMs: number;
}

export type SilenceVerdict =
  /** The check ran late: the peer's messages may be waiting unread. Read them, then look again. */
  | { readonly kind: 'listen-first'; readonly stall: Stall }
  /** Not silent for the tolerance yet (stalls not counted): look again at `checkAtMs`. */
  | { readonly kind: 'heard'; readonly checkAtMs: number; readonly stall?: Stall }
  /** Silent for the tolerance while this process was running: the peer is gone. */
  | { readonly kind: 'silent'; readonly silentMs: number; readonly stall?: Stall };

/**
 * The silence of a peer as this process could have heard it: the time since it was last heard,
 * less the time this process was stalled (a stall revealed by this check's own lateness included).
 * A late check never condemns at once: it first asks for pending input to be read.
 */
export function judgeSilence(c: SilenceCheck): SilenceVerdict {
  const stall = stallOfLateTimer(c.dueAtMs, c.nowMs, c.lateMs);
  if (stall !== undefined && !c.listened) return { kind: 'listen-first', stall };
  const stalls = stall === undefined ? c.stalls : [...c.stalls, stall];
  const silentMs = Math.max(
    0,
    c.nowMs - c.lastHeardMs - stalledMsWithin(stalls, c.lastHeardMs, c.nowMs),
  );
  const extra = stall === undefined ? {} : { stall };
  if (silentMs >= c.toleranceMs) return { kind: 'silent', silentMs, ...extra };
  return { kind: 'heard', checkAtMs: c.nowMs + (c.toleranceMs - silentMs), ...extra };
}
