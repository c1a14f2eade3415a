import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type BotApiClient,
  type CasClient,
} from '@drover/protocol';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { channelBackoffOptions, type BackoffPolicy } from './backoff';
import type { BotCall } from './session-state';

export interface SessionChannelsOptions {
  readonly credentials: grpc.ChannelCredentials;
  readonly backoff: BackoffPolicy;
  readonly channelOptions: grpc.ChannelOptions;
}

/** One gRPC channel per coordinator server, made on first use, all closed at the end. */
export class SessionChannels {
  readonly #opts: SessionChannelsOptions;
  readonly #clients = new Map<string, BotApiClient>();
  readonly #cas = new Map<string, CasClient>();

  constructor(opts: SessionChannelsOptions) {
    this.#opts = opts;
  }

  /** The channel to `server` (our backoff paces reconnects, not grpc-js's). */
  clientFor(server: string): BotApiClient {
    let client = this.#clients.get(server);
    if (client === undefined) {
      const { BotApi } = loadDroverProto().drover.v1;
      client = new BotApi(server, this.#opts.credentials, {
        ...CLIENT_CHANNEL_OPTIONS,
        // Our own backoff paces reconnects; keep the channel's from adding a second, longer one.
        ...channelBackoffOptions(this.#opts.backoff),
        ...this.#opts.channelOptions,
      });
      this.#clients.set(server, client);
    }
    return client;
  }

  /** A Cas client on the same channel as `clientFor(server)` (closed with it). */
  casClientFor(server: string): CasClient {
    let client = this.#cas.get(server);
    if (client === undefined) {
      const { Cas } = loadDroverProto().drover.v1;
      client = new Cas(server, this.#opts.credentials, {
        channelOverride: this.clientFor(server).getChannel(),
      });
      this.#cas.set(server, client);
    }
    return client;
  }

  /** Closes every channel; one that fails to close is logged and the rest still closed. */
  closeAll(log: Logger): void {
    for (const [server, client] of this.#clients) {
      try {
        client.close();
      } catch (err) {
        log.warn({ err, server }, 'close channel');
      }
    }
  }
}

/**
 * Half-closes the stream (unless the bot did already) and waits up to `waitMs` for the
 * coordinator to end it, then cancels it.
 */
export function endCall(call: BotCall, halfClosed: boolean, waitMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      call.cancel();
      resolve();
    }, waitMs);
    call.once('status', () => {
      clearTimeout(timer);
      resolve();
    });
    if (!halfClosed) call.end();
  });
}
