import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_CHANNEL_OPTIONS,
  loadDroverProto,
  type BotApiClient,
  type BotMessage,
  type CoordinatorMessageOut,
} from '@drover/protocol';
import { nowNs } from '../harness/rounds';
import { Mailbox } from './mailbox';

/**
 * What a simulated bot sends for each task: `finish` = TaskFinished alone (the least a bot can
 * send); `full` = TaskStarted, one Output line and TaskFinished, written in one turn, as a real
 * bot does for a payload that prints a line and exits at once.
 */
export type BotReports = 'finish' | 'full';

/** The line a `full` bot reports as its task's output. */
const FULL_OUTPUT = Buffer.from('ok\n');

export interface BenchBotOptions {
  readonly address: string;
  readonly token: string;
  readonly botId: string;
  /** Besides `id`, which the coordinator adds. Must include pool. */
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
  /** Answers this many Assigns with TaskFinished, then keeps the next task. @default Infinity */
  readonly maxFinishes?: number;
  /** @default 10000 */
  readonly welcomeTimeoutMs?: number;
  /** Called for every task whose result the coordinator stored (Ack finished). */
  readonly onFinishedAck?: (taskId: string) => void;
  /**
   * Its own TCP connection, as a real bot has (grpc-js otherwise shares one connection among the
   * channels of a process to the same address). @default false
   */
  readonly ownConnection?: boolean;
  /** Keep no Mailbox of Assigns and Acks (a fleet of bots that only heartbeat). @default false */
  readonly quiet?: boolean;
  /** @default 'finish' */
  readonly reports?: BotReports;
}

/** An Assign as the bot saw it, with the monotonic times (ns) around it. */
export interface AssignSeen {
  readonly taskId: string;
  readonly leaseId: string;
  readonly receivedNs: number;
  /** When its TaskFinished was written; undefined when the bot kept the task. */
  readonly finishedNs: number | undefined;
}

/**
 * A bot speaking the real BotApi stream with no runner: Hello, heartbeats at the interval the
 * Welcome asks, and every Assign answered at once with a successful TaskFinished.
 */
export class BenchBot {
  readonly assigns = new Mailbox<AssignSeen>();
  /** Task ids whose result the coordinator stored (Ack finished). */
  readonly finishedAcks = new Mailbox<string>();
  readonly #client: BotApiClient;
  readonly #call: grpc.ClientDuplexStream<BotMessage, CoordinatorMessageOut>;
  #heartbeat: NodeJS.Timeout | undefined;
  #finishesLeft: number;
  readonly #quiet: boolean;
  readonly #reports: BotReports;
  #closed = false;

  private constructor(options: BenchBotOptions) {
    this.#finishesLeft = options.maxFinishes ?? Infinity;
    this.#quiet = options.quiet === true;
    this.#reports = options.reports ?? 'finish';
    const proto = loadDroverProto().drover.v1;
    this.#client = new proto.BotApi(
      options.address,
      grpc.credentials.createInsecure(),
      options.ownConnection === true
        ? { ...CLIENT_CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 }
        : CLIENT_CHANNEL_OPTIONS,
    );
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${options.token}`);
    this.#call = this.#client.Connect(md);
  }

  static async connect(options: BenchBotOptions): Promise<BenchBot> {
    const bot = new BenchBot(options);
    const welcome = new Mailbox<number>();
    bot.#call.on('data', (m: CoordinatorMessageOut) => {
      if (m.welcome) welcome.push(m.welcome.heartbeat_interval_secs);
      else if (m.assign) bot.#onAssign(m.assign.task_id, m.assign.lease_id);
      else if (m.ack?.finished === true) {
        options.onFinishedAck?.(m.ack.task_id);
        if (options.quiet !== true) bot.finishedAcks.push(m.ack.task_id);
      }
    });
    bot.#call.on('error', (err: Error) => bot.#ended(err));
    bot.#call.on('end', () => bot.#ended(new Error('the coordinator ended the stream')));
    bot.#call.on('close', () => bot.#ended(new Error('the stream closed')));
    bot.#call.write({
      hello: {
        bot_id: options.botId,
        version: 'bench',
        dimensions: Object.entries(options.dimensions).map(([key, value]) => ({
          key,
          value: [...value],
        })),
        state: {},
      },
    });
    try {
      const intervalSecs = await welcome.take(options.welcomeTimeoutMs ?? 10_000);
      bot.#heartbeat = setInterval(
        () => bot.#send({ heartbeat: { state: {} } }),
        Math.max(1, intervalSecs) * 1000,
      );
      bot.#heartbeat.unref();
    } catch (err) {
      bot.close();
      throw err;
    }
    return bot;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#call.end();
    this.#call.cancel();
    this.#client.close();
  }

  #onAssign(taskId: string, leaseId: string): void {
    const receivedNs = nowNs();
    let finishedNs: number | undefined;
    if (this.#finishesLeft > 0) {
      this.#finishesLeft--;
      const full = this.#reports === 'full';
      if (full) {
        this.#send({ task_started: { task_id: taskId, lease_id: leaseId } });
        this.#send({
          output: { task_id: taskId, lease_id: leaseId, offset: 0, data: FULL_OUTPUT },
        });
      }
      finishedNs = nowNs();
      this.#send({
        task_finished: {
          task_id: taskId,
          lease_id: leaseId,
          exit_code: 0,
          duration: 0,
          output_size: full ? FULL_OUTPUT.length : 0,
        },
      });
    }
    if (!this.#quiet) this.assigns.push({ taskId, leaseId, receivedNs, finishedNs });
  }

  #send(message: BotMessage): void {
    if (!this.#closed) this.#call.write(message);
  }

  #ended(err: Error): void {
    clearInterval(this.#heartbeat);
    const reason = this.#closed ? new Error('the bot was closed') : err;
    this.assigns.close(reason);
    this.finishedAcks.close(reason);
  }
}
