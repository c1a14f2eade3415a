import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type BotMessage,
  type BotsClient,
  type CoordinatorMessageOut,
} from '@drover/protocol';

/** A Bots service stub (fleet admin) on `address`; close it after use. */
export function botsStub(address: string): BotsClient {
  const proto = loadDroverProto().drover.v1;
  return new proto.Bots(
    address,
    grpc.credentials.createInsecure(),
    CLIENT_CHANNEL_OPTIONS,
  ) as unknown as BotsClient;
}

/**
 * A bot driven by the test, message by message, over a real BotApi stream: for injecting the
 * faults a real bot avoids (stale leases, silence, reconnecting without a task).
 */
type BotApiStub = grpc.Client & {
  Connect(md: grpc.Metadata): grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>;
};

export class ScriptedBot {
  readonly #client: BotApiStub;
  readonly #call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>;
  readonly #inbox: CoordinatorMessageOut[] = [];
  readonly #waiters = new Set<() => void>();
  #ended: Error | undefined;

  constructor(address: string, token: string) {
    const proto = loadDroverProto().drover.v1;
    this.#client = new proto.BotApi(
      address,
      grpc.credentials.createInsecure(),
      CLIENT_CHANNEL_OPTIONS,
    ) as unknown as BotApiStub;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    this.#call = this.#client.Connect(md);
    this.#call.on('data', (m: CoordinatorMessageOut) => {
      this.#inbox.push(m);
      this.#wake();
    });
    this.#call.on('error', (err: Error) => {
      this.#ended = err;
      this.#wake();
    });
    this.#call.on('end', () => {
      this.#ended ??= new Error('stream ended');
      this.#wake();
    });
  }

  send(message: BotMessage): void {
    this.#call.write(message);
  }

  hello(
    botId: string,
    running: Array<{ task_id: string; lease_id: string; output_offset?: number }> = [],
    dimensions: Array<{ key: string; value: string[] }> = [
      { key: 'pool', value: ['default'] },
      { key: 'os', value: ['Linux'] },
    ],
  ): void {
    this.send({ hello: { bot_id: botId, version: 'scripted', dimensions, running } });
  }

  /** The next message (in order) satisfying `pred`; earlier ones that do not are dropped. */
  async next(
    pred: (m: CoordinatorMessageOut) => boolean,
    deadlineMs = 10_000,
  ): Promise<CoordinatorMessageOut> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      while (this.#inbox.length > 0) {
        const m = this.#inbox.shift()!;
        if (pred(m)) return m;
      }
      if (this.#ended !== undefined) throw this.#ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching message before the deadline');
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** Resolves with the status the coordinator ended the stream with. */
  async ended(deadlineMs = 10_000): Promise<Error> {
    const deadline = Date.now() + deadlineMs;
    while (this.#ended === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('stream still open at the deadline');
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
    return this.#ended;
  }

  /** Drops the connection abruptly (like a crash). */
  crash(): void {
    this.#call.cancel();
    this.#client.close();
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }
}
