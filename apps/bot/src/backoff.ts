/**
 * Jittered exponential backoff for reconnecting: attempt 0 waits about `initialMs`, each further
 * attempt doubles the ceiling up to `maxMs`; the delay is drawn from [ceiling/2, ceiling] so that
 * a fleet that lost its coordinator at once does not come back at once.
 */
export interface BackoffPolicy {
  /** @default 250 */
  readonly initialMs: number;
  /** @default 60_000 */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 60_000 };

/** `random` returns a number in [0, 1), like Math.random. */
export function backoffDelayMs(
  attempt: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(
    policy.maxMs,
    policy.initialMs * 2 ** Math.min(Math.max(0, attempt), 30),
  );
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
