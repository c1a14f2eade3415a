import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import {
  loadDroverProto,
  SERVER_OPTIONS,
  type BotMessageOut,
  type CoordinatorMessage,
} from '@drover/protocol';

/**
 * A real grpc-js BotApi server on 127.0.0.1:0, small enough to read in one go: it records every
 * stream and message, and lets a test answer by hand. Not a model of the coordinator — the test
 * plays the coordinator's part explicitly.
 */

type Kind = NonNullable<BotMessageOut['msg']>;
type Payload<K extends Kind> = NonNullable<BotMessageOut[K]>;

export class TestStream {
  readonly received: BotMessageOut[] = [];
  readonly ended: Promise<void>;
  private readonly events = new EventEmitter();
  private readonly taken = new Map<Kind, number>();

  constructor(readonly call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>) {
    call.on('data', (msg: BotMessageOut) => {
      this.received.push(msg);
      this.events.emit('message');
    });
    this.ended = new Promise((resolve) => {
      const done = () => resolve();
      call.on('end', done);
      call.on('cancelled', done);
      call.on('error', done);
    });
    this.ended.then(
      () => this.events.emit('message'),
      () => {},
    );
    // Like a coordinator, answer the bot's half-close by ending the call.
    call.on('end', () => call.end());
  }

  get authorization(): string | undefined {
    const v = this.call.metadata.get('authorization')[0];
    return typeof v === 'string' ? v : undefined;
  }

  /** The next message of `kind` not taken before (in order), waiting up to `timeoutMs`. */
  async take<K extends Kind>(kind: K, timeoutMs = 5_000): Promise<Payload<K>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.taken.get(kind) ?? 0;
      const i = this.received.findIndex((m, idx) => idx >= from && m.msg === kind);
      if (i >= 0) {
        this.taken.set(kind, i + 1);
        return this.received[i]![kind] as Payload<K>;
      }
      await this.nextEvent(deadline, `a ${kind} message`);
    }
  }

  /** All payloads of `kind` received so far. */
  all<K extends Kind>(kind: K): Payload<K>[] {
    return this.received.filter((m) => m.msg === kind).map((m) => m[kind] as Payload<K>);
  }

  /** Output of a task reassembled from this stream's Output messages; checks they are contiguous. */
  async outputUntil(
    taskId: string,
    text: string,
    timeoutMs = 5_000,
  ): Promise<{ offset: number; data: string }[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pieces = this.all('output')
        .filter((o) => o.task_id === taskId)
        .map((o) => ({ offset: Number(o.offset), data: o.data.toString('utf8') }));
      if (
        pieces
          .map((p) => p.data)
          .join('')
          .includes(text)
      )
        return pieces;
      await this.nextEvent(deadline, `output ${JSON.stringify(text)}`);
    }
  }

  /**
   * From now on answers every Output with the Ack a coordinator that stored it would send (and
   * answers, at once, those received so far). Returns a function that stops it.
   */
  autoAck(): () => void {
    const answer = (o: Payload<'output'>) =>
      this.send({
        ack: {
          task_id: o.task_id,
          lease_id: o.lease_id,
          output_offset: Number(o.offset) + o.data.length,
        },
      });
    for (const o of this.all('output')) answer(o);
    const onData = (msg: BotMessageOut) => {
      if (msg.output) answer(msg.output);
    };
    this.call.on('data', onData);
    return () => this.call.off('data', onData);
  }

  /** Bytes of output received for `taskId` on this stream. */
  outputBytes(taskId: string): number {
    return this.all('output')
      .filter((o) => o.task_id === taskId)
      .reduce((n, o) => n + o.data.length, 0);
  }

  send(msg: CoordinatorMessage): void {
    this.call.write(msg);
  }

  welcome(heartbeatSecs = 30): void {
    this.send({
      welcome: {
        session_id: 's1',
        heartbeat_interval_secs: heartbeatSecs,
        dimensions: [],
        forced_dimensions: [],
      },
    });
  }

  /** Ends the stream with OK, as a coordinator going away cleanly would. */
  end(): void {
    this.call.end();
  }

  fail(code: grpc.status, details: string): void {
    this.call.emit('error', { code, details });
  }

  private nextEvent(deadline: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.events.off('message', onMessage);
          reject(new Error(`timed out waiting for ${what}`));
        },
        Math.max(0, deadline - Date.now()),
      );
      const onMessage = () => {
        clearTimeout(timer);
        resolve();
      };
      this.events.once('message', onMessage);
    });
  }
}

export class TestCoordinator {
  readonly streams: TestStream[] = [];
  private readonly events = new EventEmitter();
  private readonly server = new grpc.Server(SERVER_OPTIONS);
  private port = 0;

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts a server; `onConnect` sees each stream first (to refuse it, say). */
  static async start(
    onConnect?: (stream: TestStream) => void,
    /** Other services on the same server (a fake Cas: fake-cas.ts). */
    addServices?: (server: grpc.Server) => void,
  ): Promise<TestCoordinator> {
    const coordinator = new TestCoordinator();
    addServices?.(coordinator.server);
    coordinator.server.addService(loadDroverProto().drover.v1.BotApi.service, {
      Connect: (call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>) => {
        const stream = new TestStream(call);
        coordinator.streams.push(stream);
        onConnect?.(stream);
        coordinator.events.emit('stream');
      },
    });
    coordinator.port = await new Promise<number>((resolve, reject) =>
      coordinator.server.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createInsecure(),
        (err, p) => (err ? reject(err) : resolve(p)),
      ),
    );
    return coordinator;
  }

  /** The `n`th stream (0-based), waiting for it to open. */
  async stream(n: number, timeoutMs = 5_000): Promise<TestStream> {
    const deadline = Date.now() + timeoutMs;
    while (this.streams.length <= n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => {
            this.events.off('stream', onStream);
            reject(new Error(`timed out waiting for stream #${n}`));
          },
          Math.max(0, deadline - Date.now()),
        );
        const onStream = () => {
          clearTimeout(timer);
          resolve();
        };
        this.events.once('stream', onStream);
      });
    }
    return this.streams[n]!;
  }

  close(): void {
    this.server.forceShutdown();
  }
}
