import type { BotMessage, CoordinatorMessageOut } from '@drover/protocol';
import type * as grpc from '@grpc/grpc-js';
import type { SessionEnd, SessionState, StopReason } from './session-types';

/**
 * The session's lifecycle, one value (session.ts holds it, this file names it):
 *
 *   running ──stop()/Terminate/--once──▶ stopping ──all acked, or ackWaitMs──┐
 *      │                                    │                                 ▼
 *      └──────┬─────────────────────────────┘                             finalizing ──▶ stopped
 *             └──close() or a FATAL_CODES status──▶ closing ──its tasks ended────▲
 *
 * While running, stopping or closing the session has a stream, in one of these states:
 *
 *   connecting ──Hello──▶ welcoming ──Welcome──▶ connected (──leaving──▶ halfClosed)
 *       ▲                     └────── stream ends ───────┴──▶ next server now: connecting
 *       └────timer──── backoff ◀── every server failed in a row ──┘
 *
 * A stream that ended while stopping or closing is `ended`: closing opens no other; stopping
 * opens one only while it still holds a result to deliver.
 */

export type BotCall = grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>;

export type StreamState =
  /** Opening a stream (the free disk is measured first, for Hello). */
  | { readonly kind: 'connecting'; readonly attempt: number }
  /** Waiting before the next attempt: every server failed since the last wait. */
  | { readonly kind: 'backoff'; readonly attempt: number; readonly delayMs: number }
  /** Hello sent; no Welcome yet (dropped after welcomeTimeoutMs). Only Welcome is read. */
  | { readonly kind: 'welcoming'; readonly call: BotCall; readonly attempt: number }
  | {
      readonly kind: 'connected';
      readonly call: BotCall;
      readonly sessionId: string;
      /** The bot half-closed the stream (it is leaving): it may read but not write. */
      readonly halfClosed: boolean;
      readonly welcomedAtMs: number;
      /** The backoff exponent that the Welcome reset (a stream that fails as before keeps it). */
      readonly attemptBeforeWelcome: number;
    };

/** The stream ended and no other is being opened. */
export interface StreamEnded {
  readonly kind: 'ended';
}

export const STREAM_ENDED: StreamEnded = Object.freeze({ kind: 'ended' });

/** The states that take part in a stream: they take messages, deliver results, may reconnect. */
export type LiveState =
  /** Takes tasks. */
  | { readonly kind: 'running'; readonly stream: StreamState }
  /**
   * Takes no more tasks (one already sent is still run), says why on every heartbeat, delivers
   * the last results, then leaves.
   */
  | {
      readonly kind: 'stopping';
      readonly reason: StopReason;
      readonly stream: StreamState | StreamEnded;
    };

export type Lifecycle =
  | LiveState
  /**
   * The end is decided (close(), or the coordinator refused the bot): the tasks still running are
   * being killed; then finalizing. No task is taken and no stream opened; the current one still
   * carries the killed tasks' results. `from` is the state it interrupted: `state` still reports
   * it (the end is announced, not the closing) and its stop reason still rides on heartbeats.
   */
  | {
      readonly kind: 'closing';
      readonly from: LiveState;
      readonly end: SessionEnd;
      readonly stream: StreamState | StreamEnded;
    }
  /** Ending the stream (bounded wait) and closing the channels. */
  | { readonly kind: 'finalizing'; readonly end: SessionEnd }
  /** All released; `done` resolved with `end`. */
  | { readonly kind: 'stopped'; readonly end: SessionEnd };

/** The stream's call, while it has one. */
export function callOf(stream: StreamState | StreamEnded | undefined): BotCall | undefined {
  return stream?.kind === 'welcoming' || stream?.kind === 'connected' ? stream.call : undefined;
}

/** The stream of a state that has one. */
export function streamOf(s: Lifecycle): StreamState | StreamEnded | undefined {
  return s.kind === 'finalizing' || s.kind === 'stopped' ? undefined : s.stream;
}

/** Why the bot stops, once it does: kept while closing, for the heartbeats. */
export function stopReasonOf(s: Lifecycle): StopReason | undefined {
  if (s.kind === 'stopping') return s.reason;
  if (s.kind === 'closing') return stopReasonOf(s.from);
  return undefined;
}

/** What `BotSession.state` reports (session-types.ts): the public view of the lifecycle. */
export function publicState(s: Lifecycle): SessionState {
  switch (s.kind) {
    case 'running':
      return streamView(s.stream);
    case 'stopping':
      return { kind: 'stopping', reason: s.reason };
    case 'closing':
      return publicState(s.from);
    case 'finalizing':
    case 'stopped':
      return { kind: 'stopped', end: s.end };
  }
}

function streamView(stream: StreamState): SessionState {
  switch (stream.kind) {
    case 'connecting':
    case 'welcoming':
      return { kind: 'connecting', attempt: stream.attempt };
    case 'backoff':
      return { kind: 'backoff', attempt: stream.attempt, delayMs: stream.delayMs };
    case 'connected':
      return { kind: 'connected', sessionId: stream.sessionId };
  }
}
