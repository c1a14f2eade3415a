import * as grpc from '@grpc/grpc-js';
import { backoffDelayMs, type BackoffPolicy } from './backoff';

/**
 * Where and when the session opens its next stream. Pure bookkeeping: the caller owns the timers
 * and passes the time in.
 *
 * Several servers (replicas sharing one database): each gets its own channel; the first stream
 * goes to the first, and every connection that fails or ends moves the next attempt to the next
 * server (round robin), taking the bot's held results along (Hello's `running`, then resends).
 * Failing over is immediate while some server of the list has not been tried since the last
 * backoff wait: so a bot whose replica died (or a first server that is down) reaches a live one
 * at once, but once every server failed in a row the usual jittered backoff applies (60 s cap,
 * 5 s while holding a task), then a new round starts. A Welcome resets the backoff exponent, not
 * the round: a server that welcomes then drops at once cannot spin the bot through the list. A
 * stream that fails as before after its Welcome keeps the exponent (see streamEnded).
 */

/** A stream that ends sooner after its Welcome, as the one before, does not reset the backoff. */
export const STABLE_STREAM_MS = 10_000;

export type NextAttempt =
  | { readonly kind: 'now'; readonly attempt: number }
  | { readonly kind: 'wait'; readonly attempt: number; readonly delayMs: number };

/** What the stream that ended knew of its Welcome, if it got one. */
export interface WelcomedStream {
  readonly welcomedAtMs: number;
  readonly attemptBeforeWelcome: number;
}

export interface ReconnectOptions {
  /** At least one address. */
  readonly servers: readonly string[];
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
}

export class ReconnectPlan {
  readonly #opts: ReconnectOptions;
  /** Indexes `servers`: the one in use. */
  #server = 0;
  /** Streams opened since the last backoff wait (the first connect counts). */
  #triesSinceWait = 0;
  /** The backoff exponent. */
  #attempt = 0;
  /** How the previous stream ended (code and details). */
  #previousEnd = '';

  constructor(opts: ReconnectOptions) {
    this.#opts = opts;
  }

  /** The server in use: the next stream goes there, and tasks name it as theirs. */
  get server(): string {
    return this.#opts.servers[this.#server] ?? this.#opts.servers[0]!;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** A stream is being opened to `server`. */
  opening(): void {
    this.#triesSinceWait += 1;
  }

  /** The stream got its Welcome: resets the exponent; returns the one it had. */
  welcomed(): number {
    const before = this.#attempt;
    this.#attempt = 0;
    return before;
  }

  /**
   * A Welcome resets the backoff exponent, unless the stream then fails as before: the
   * coordinator said to back off (RESOURCE_EXHAUSTED: its data dir is full, say, so our output
   * cannot be stored), or the stream ended as the previous one did, within STABLE_STREAM_MS of
   * its Welcome. Then the exponent goes on from where it was: a coordinator that welcomes and
   * fails each time sees one reconnect per backoff step, not several a second. Returns whether
   * it kept the exponent so.
   */
  streamEnded(
    status: grpc.StatusObject,
    welcomed: WelcomedStream | undefined,
    nowMs: number,
  ): boolean {
    const end = `${status.code} ${status.details}`;
    const same = end === this.#previousEnd;
    this.#previousEnd = end;
    if (welcomed === undefined) return false;
    const brief = nowMs - welcomed.welcomedAtMs < STABLE_STREAM_MS;
    if (status.code !== grpc.status.RESOURCE_EXHAUSTED && !(same && brief)) return false;
    this.#attempt = Math.max(this.#attempt, welcomed.attemptBeforeWelcome);
    return true;
  }

  /**
   * The connection failed or ended: the next attempt goes to the next server, at once or after
   * the backoff (capped lower while the bot holds a task).
   */
  next(holdingTask: boolean): NextAttempt {
    this.#server = (this.#server + 1) % this.#opts.servers.length;
    if (this.#triesSinceWait < this.#opts.servers.length)
      return { kind: 'now', attempt: this.#attempt };
    this.#triesSinceWait = 0;
    const delayMs = backoffDelayMs(
      { attempt: this.#attempt, holdingTask, random: this.#opts.random },
      this.#opts.backoff,
    );
    this.#attempt += 1;
    return { kind: 'wait', attempt: this.#attempt, delayMs };
  }
}
