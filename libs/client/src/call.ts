import type * as grpc from '@grpc/grpc-js';
import { toClientError } from './errors';

/** Per-call options every client method takes. */
export interface CallOptions {
  /** Aborting cancels the call; the promise (or iteration) rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Deadline for the whole call (the whole stream, for streaming calls), in ms from now. */
  deadlineMs?: number;
}

/** What a call needs from the client: where it goes and the metadata it carries. */
export interface CallContext {
  readonly server: string;
  metadata(): grpc.Metadata;
}

type UnaryStart<T> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, value?: T) => void,
) => grpc.ClientUnaryCall;

function grpcOptions(opts: CallOptions): grpc.CallOptions {
  return opts.deadlineMs === undefined ? {} : { deadline: Date.now() + opts.deadlineMs };
}

/** Runs one unary call as a promise, wired to the caller's signal and deadline. */
export async function unaryCall<T>(
  ctx: CallContext,
  opts: CallOptions,
  start: UnaryStart<T>,
): Promise<T> {
  const { signal } = opts;
  signal?.throwIfAborted();
  let call: grpc.ClientUnaryCall | undefined;
  const onAbort = (): void => call?.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<T>((resolve, reject) => {
      call = start(ctx.metadata(), grpcOptions(opts), (err, value) => {
        if (signal?.aborted) reject(signal.reason);
        else if (err) reject(toClientError(err, ctx.server));
        else resolve(value as T);
      });
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

type StreamStart<T> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
) => grpc.ClientReadableStream<T>;

/** Messages buffered before the call is paused (HTTP/2 flow control then holds the server). */
const HIGH_WATER = 64;

/**
 * Runs one server-streaming call as an async iterator. The call starts at the first `next()`;
 * breaking out of the loop, an abort or `return()` cancels it. A non-OK status rejects with a
 * DroverClientError after every message received before it was yielded.
 */
export async function* streamCall<T>(
  ctx: CallContext,
  opts: CallOptions,
  start: StreamStart<T>,
): AsyncGenerator<T, void, undefined> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const call = start(ctx.metadata(), grpcOptions(opts));
  const queue: T[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (message: T): void => {
    queue.push(message);
    if (queue.length >= HIGH_WATER) call.pause();
    notify();
  };
  // grpc-js emits 'error' (non-OK status) right after ending the stream, then 'end' once the
  // buffered messages are read. The listener stays for the call's life: an 'error' emitted with
  // no listener (say, the CANCELLED that follows our own cancel()) would crash the process.
  const onError = (err: unknown): void => {
    failure ??= err;
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onAbort = (): void => {
    call.cancel();
    notify();
  };
  call.on('data', onData);
  call.on('error', onError);
  call.on('end', onEnd);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const message = queue.shift();
      if (message !== undefined) {
        if (call.isPaused() && queue.length < HIGH_WATER / 2) call.resume();
        yield message;
        continue;
      }
      if (ended) {
        if (failure !== undefined) throw toClientError(failure, ctx.server);
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    call.off('data', onData);
    call.off('end', onEnd);
    if (!ended) call.cancel();
  }
}
