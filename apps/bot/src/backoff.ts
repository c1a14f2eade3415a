import type * as grpc from '@grpc/grpc-js';

/**
 * Jittered exponential backoff for reconnecting: attempt 0 waits about `initialMs`, each further
 * attempt doubles the ceiling up to a cap; the delay is drawn from [ceiling/2, ceiling] so that
 * a fleet that lost its coordinator at once does not come back at once.
 *
 * The cap is `maxMs` while the bot is idle, but `holdingMaxMs` while it holds a task (running, or
 * with a result not yet acknowledged): the coordinator declares a silent bot's task BOT_DIED after
 * its ping tolerance (60 s by default), so a short network cut must not turn into a long wait.
 */
export interface BackoffPolicy {
  /** @default 250 */
  readonly initialMs: number;
  /** The cap while the bot holds no task. @default 60_000 */
  readonly maxMs: number;
  /** The cap while the bot holds a task. @default 5_000 */
  readonly holdingMaxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 250,
  maxMs: 60_000,
  holdingMaxMs: 5_000,
};

export interface BackoffInput {
  /** Reconnect attempts since the last Welcome (0 for the first). */
  readonly attempt: number;
  readonly holdingTask: boolean;
  /** Returns a number in [0, 1), like Math.random. */
  readonly random: () => number;
}

export function backoffDelayMs(
  input: BackoffInput,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const cap = input.holdingTask ? Math.min(policy.maxMs, policy.holdingMaxMs) : policy.maxMs;
  const ceiling = Math.min(cap, policy.initialMs * 2 ** Math.min(Math.max(0, input.attempt), 30));
  return Math.round(ceiling / 2 + input.random() * (ceiling / 2));
}

/** grpc-js adds up to ±20 % of jitter to its own reconnect delay. */
const GRPC_BACKOFF_JITTER = 0.2;

/**
 * Channel options that keep grpc-js's own reconnect backoff (a call fails at once while the
 * channel waits it out) within the smaller cap, jitter included, so it never stretches ours.
 */
export function channelBackoffOptions(policy: BackoffPolicy): grpc.ChannelOptions {
  const capMs = Math.min(policy.maxMs, policy.holdingMaxMs);
  const maxMs = Math.max(1, Math.floor(capMs / (1 + GRPC_BACKOFF_JITTER)));
  return {
    'grpc.initial_reconnect_backoff_ms': Math.max(1, Math.min(policy.initialMs, maxMs)),
    'grpc.max_reconnect_backoff_ms': maxMs,
  };
}
