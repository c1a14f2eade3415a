import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { BotMessageOut, CoordinatorMessage } from '@drover/protocol';
import {
  botPingToleranceMs,
  judgeTasksOfSilentBot,
  taskPingToleranceMs,
  type Store,
  type Task,
} from '@drover/state';
import type { Logger } from 'pino';
import { mayUseBotId } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import type { TokenSessions } from '../access/token-sessions';
import type { Dispatcher } from '../engine/dispatcher';
import type { TaskEngine } from '../engine/task-engine';
import type { OutputStore } from '../outputs/output-store';
import { uploadOutputsHandler } from '../outputs/upload-outputs';
import type { BotRegistry } from './bot-registry';
import { BotSession } from './bot-session';
import type { BotCodeSource } from '../bot-code/bot-code-source';
import { getBotCodeHandler } from '../bot-code/get-bot-code';
import { CONNECTION_CAPS } from '../connections/connection-caps';
import type { PendingCaps } from '../connections/pending-caps';
import { peerAddress } from '../connections/pending-caps';
import { PendingConnections } from '../connections/pending-connections';
import type { LoopStalls } from '../stalls/loop-stalls';
import { SilenceWatch } from '../stalls/silence-watch';

export interface BotApiDeps {
  /** Other replicas share the store: bots may live on any of them. */
  readonly shared: boolean;
  readonly engine: Pick<TaskEngine, 'apply' | 'outputGrew'>;
  readonly dispatcher: Dispatcher;
  readonly registry: BotRegistry;
  readonly store: Store;
  readonly tokens: TokenAuthority;
  readonly clock: () => number;
  readonly log: Logger;
  readonly heartbeatIntervalMs: number;
  readonly botPingToleranceMs: number;
  /** This process's own stalls: not counted as a bot's silence. */
  readonly stalls: LoopStalls;
  /**
   * Streams opened with a bot token whose Hello has not come yet (streams without a valid token
   * are refused at once). @default CONNECTION_CAPS.botHello
   */
  readonly pendingHello?: PendingCaps;
  /** Task output files; without them UploadOutputs is UNIMPLEMENTED. */
  readonly outputs?: { readonly store: OutputStore; readonly maxBytes: number };
  /** Bot self-update (bot-code/): the code served by GetBotCode and offered to bots. */
  readonly botCode?: BotCodeSource;
  /** Bytes of a task's output stored at most (--max-task-output). @default 100 MiB */
  readonly maxTaskOutputBytes?: number;
  /** Sessions of store tokens, ended when their token stops working (access/). */
  readonly tokenSessions?: TokenSessions;
}

/** A bot's row is persisted from its heartbeats at most this often (one replica alone). */
const PERSIST_EVERY_MS = 60_000;

/**
 * BotApi.Connect: authenticates the bot token (a client token is refused; the bot id of Hello must
 * match the group's `botIds`), then hands the stream to a BotSession. When a bot
 * disconnects, its RUNNING tasks become BOT_DIED unless it is back within the ping tolerance.
 */
export class BotApiService {
  readonly #deps: BotApiDeps;
  readonly #graceWatches = new Map<string, SilenceWatch>();
  readonly #pendingHello: PendingConnections<{ close(why: 'evicted' | 'timed-out'): void }>;
  /** Other coordinators share the store: bots may live on any of them. */
  readonly #shared: boolean;
  readonly #persistEveryMs: number;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping = false;
  /**
   * Bot rows of other replicas as this one last read them, and when, on its own clock, it saw
   * each change. A row's `last_seen` is written with the writing replica's clock, so it is never
   * compared with this one's: hosts whose clocks disagree by more than the ping tolerance would
   * otherwise end the tasks of live bots (or keep those of dead ones).
   */
  readonly #rowsSeen = new Map<string, { readonly lastSeenMs: number; readonly atMs: number }>();

  constructor(deps: BotApiDeps) {
    this.#deps = deps;
    this.#shared = deps.shared;
    this.#pendingHello = new PendingConnections(deps.pendingHello ?? CONNECTION_CAPS.botHello);
    // Shared: a bot's row is how the other replicas know it is alive, so it is refreshed well
    // within the ping tolerance.
    this.#persistEveryMs = this.#shared
      ? Math.min(PERSIST_EVERY_MS, Math.floor(deps.botPingToleranceMs / 3))
      : PERSIST_EVERY_MS;
  }

  /** The handler map for grpc.Server#addService. */
  handlers(): grpc.UntypedServiceImplementation {
    return {
      Connect: (call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>) =>
        this.#connect(call),
      ...(this.#deps.outputs === undefined
        ? {}
        : {
            UploadOutputs: uploadOutputsHandler({
              store: this.#deps.store,
              outputs: this.#deps.outputs.store,
              tokens: this.#deps.tokens,
              maxBytes: this.#deps.outputs.maxBytes,
              log: this.#deps.log.child({ component: 'outputs' }),
            }),
          }),
      ...(this.#deps.botCode === undefined
        ? {}
        : {
            GetBotCode: getBotCodeHandler({
              source: this.#deps.botCode,
              tokens: this.#deps.tokens,
              log: this.#deps.log.child({ component: 'bot-code' }),
            }),
          }),
    };
  }

  /** Watches RUNNING tasks of bots that were connected before a restart and never came back. */
  async start(): Promise<void> {
    const running = await this.#deps.store.listTasksInStates(['RUNNING']);
    const byBot = new Map<string, Task[]>();
    for (const task of running) {
      if (task.botId !== null) byBot.set(task.botId, [...(byBot.get(task.botId) ?? []), task]);
    }
    for (const [botId, tasks] of byBot) {
      this.#watch(
        botId,
        this.#deps.clock(),
        botPingToleranceMs(tasks, this.#deps.botPingToleranceMs),
      );
    }
    if (this.#shared) {
      const everyMs = Math.max(1000, Math.floor(this.#deps.botPingToleranceMs / 4));
      this.#sweepTimer = setInterval(() => void this.#sweepSilentBots(), everyMs);
      this.#sweepTimer.unref();
    }
  }

  close(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    for (const w of this.#graceWatches.values()) w.stop();
    this.#graceWatches.clear();
    this.#pendingHello.clear();
  }

  /**
   * With other replicas (DESIGN.md §6): a RUNNING task whose bot is connected nowhere — not
   * here, and its row not refreshed by any replica within the ping tolerance — is BOT_DIED. Runs
   * on every replica; the conditional write makes it happen once. This is what ends the tasks of
   * bots that died together with their replica.
   */
  async #sweepSilentBots(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      const running = await this.#deps.store.listTasksInStates(['RUNNING']);
      // By bot and tolerance: each task is judged by its own.
      const seen = new Map<string, boolean>();
      const holding = new Set(running.map((t) => t.botId));
      for (const botId of this.#rowsSeen.keys()) {
        if (!holding.has(botId)) this.#rowsSeen.delete(botId);
      }
      for (const task of running) {
        const botId = task.botId;
        if (botId === null || this.#deps.registry.isConnected(botId)) continue;
        const toleranceMs = taskPingToleranceMs(task, this.#deps.botPingToleranceMs);
        const key = `${botId}\n${toleranceMs}`;
        let alive = seen.get(key);
        if (alive === undefined) {
          alive = await this.#aliveElsewhere(botId, false, toleranceMs);
          seen.set(key, alive);
        }
        if (alive) continue;
        await this.#deps.engine.apply(task.id, {
          type: 'bot-died',
          leaseId: task.leaseId ?? '',
          reason: `the bot was silent for more than ${toleranceMs / 1000}s`,
        });
      }
    } catch (err) {
      this.#deps.log.error({ err }, 'sweeping the tasks of silent bots failed');
    } finally {
      this.#sweeping = false;
    }
  }

  /**
   * Whether some replica refreshed the bot's stored row within the ping tolerance — as seen
   * here: the row changed since this replica last read it, or within the tolerance before (a row
   * read for the first time counts as changed now) — and, with `connected`, it says connected. A
   * replica writes the row when the bot leaves it, so the tolerance also runs from there: a bot
   * on its way to another replica gets that long.
   */
  async #aliveElsewhere(
    botId: string,
    connected: boolean,
    toleranceMs = this.#deps.botPingToleranceMs,
  ): Promise<boolean> {
    if (!this.#shared) return false;
    const record = await this.#deps.store.getBot(botId);
    if (record === undefined || (connected && !record.connected)) return false;
    const nowMs = this.#deps.clock();
    const before = this.#rowsSeen.get(botId);
    if (before === undefined || before.lastSeenMs !== record.lastSeenMs) {
      this.#rowsSeen.set(botId, { lastSeenMs: record.lastSeenMs, atMs: nowMs });
      return true;
    }
    // Time this process did not run is not time the row went unrefreshed.
    const stalledMs = this.#deps.stalls.stalledMsWithin(before.atMs, nowMs);
    return nowMs - before.atMs - stalledMs < toleranceMs;
  }

  #connect(call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>): void {
    const auth = call.metadata.get('authorization')[0];
    const header = typeof auth === 'string' ? auth : undefined;
    const principal = this.#deps.tokens.authenticate(header);
    if (principal === undefined) {
      const refusal = this.#deps.tokens.refusal(header);
      call.emit('error', {
        code: status.UNAUTHENTICATED,
        details:
          refusal === undefined ? 'missing or invalid bot token' : `bot token refused: ${refusal}`,
      });
      return;
    }
    if (principal.kind !== 'bot') {
      call.emit('error', {
        code: status.PERMISSION_DENIED,
        details: 'only bot tokens may open a bot stream',
      });
      return;
    }
    const pendingHelloMs = (this.#deps.pendingHello ?? CONNECTION_CAPS.botHello).timeoutMs;
    let connectedAs = '';
    const pending = {
      close: (why: 'evicted' | 'timed-out') => {
        this.#deps.log.debug({ peer: call.getPeer(), why }, 'bot stream closed before its Hello');
        session.abandon(
          why === 'evicted'
            ? {
                code: status.RESOURCE_EXHAUSTED,
                details: 'too many bot streams waiting for their Hello; the oldest are closed',
              }
            : { code: status.DEADLINE_EXCEEDED, details: `no Hello within ${pendingHelloMs} ms` },
        );
      },
    };
    const session = new BotSession(call, {
      engine: this.#deps.engine,
      dispatcher: this.#deps.dispatcher,
      registry: this.#deps.registry,
      store: this.#deps.store,
      clock: this.#deps.clock,
      log: this.#deps.log,
      heartbeatIntervalMs: this.#deps.heartbeatIntervalMs,
      botPingToleranceMs: this.#deps.botPingToleranceMs,
      stalls: this.#deps.stalls,
      onSettled: () => this.#pendingHello.settle(pending),
      persistEveryMs: this.#persistEveryMs,
      forcedDimensions: principal.forcedDimensions,
      mayUseBotId: (botId) => mayUseBotId(principal, botId),
      onConnected: (botId) => {
        connectedAs = botId;
        this.#unwatch(botId);
      },
      // Read now, while the dispatcher still knows the task the bot ran and so its tolerance.
      onDisconnected: (botId, lastHeardMs) =>
        this.#watch(botId, lastHeardMs, this.#deps.dispatcher.pingToleranceOf(botId)),
      ...(this.#deps.outputs === undefined ? {} : { outputs: this.#deps.outputs }),
      ...(this.#deps.botCode === undefined ? {} : { botCode: this.#deps.botCode }),
      ...(this.#deps.maxTaskOutputBytes === undefined
        ? {}
        : { maxTaskOutputBytes: this.#deps.maxTaskOutputBytes }),
    });
    // A token of the store: revoking it (or deleting its group) ends this stream at once.
    const untrack = this.#deps.tokenSessions?.add(
      principal,
      () => connectedAs,
      (reason) =>
        session.abandon({ code: status.UNAUTHENTICATED, details: `bot token refused: ${reason}` }),
    );
    if (untrack !== undefined) {
      for (const event of ['close', 'cancelled', 'error', 'finish']) call.once(event, untrack);
    }
    this.#pendingHello.admit(pending, peerAddress(call.getPeer(), true));
    session.run();
  }

  /**
   * Ends the bot's RUNNING tasks as BOT_DIED once it has been silent for `toleranceMs` (its
   * task's own ping tolerance, else the coordinator's), counted from the last message it sent
   * (not from when the stream noticed), unless it is back. Time this process was stalled does
   * not count: its new stream may be waiting unread.
   */
  #watch(botId: string, lastHeardMs: number, toleranceMs: number): void {
    this.#unwatch(botId);
    const watch = new SilenceWatch({
      stalls: this.#deps.stalls,
      toleranceMs,
      lastHeardMs: () => lastHeardMs,
      onSilent: (silentMs) => {
        this.#graceWatches.delete(botId);
        void this.#botGone(botId, lastHeardMs, silentMs);
      },
    });
    this.#graceWatches.set(botId, watch);
    watch.start();
  }

  #unwatch(botId: string): void {
    this.#graceWatches.get(botId)?.stop();
    this.#graceWatches.delete(botId);
  }

  /**
   * The bot was silent `silentMs` (stalls not counted): its tasks whose tolerance that outlasted
   * are BOT_DIED; one with a longer tolerance of its own (the engine did not know it: a restart)
   * is watched on for the rest of it.
   */
  async #botGone(botId: string, lastHeardMs: number, silentMs: number): Promise<void> {
    if (this.#deps.registry.isConnected(botId)) return;
    try {
      // It may have moved to another replica (a load balancer, a replica restarting).
      if (await this.#aliveElsewhere(botId, true)) return;
      const defaultMs = this.#deps.botPingToleranceMs;
      const { died, waiting } = judgeTasksOfSilentBot(
        await this.#deps.store.listRunningTasksOf(botId),
        silentMs,
        defaultMs,
      );
      for (const task of died) {
        await this.#deps.engine.apply(task.id, {
          type: 'bot-died',
          leaseId: task.leaseId ?? '',
          reason: `the bot was silent for more than ${taskPingToleranceMs(task, defaultMs) / 1000}s`,
        });
      }
      if (waiting.length > 0 && !this.#deps.registry.isConnected(botId)) {
        this.#watch(botId, lastHeardMs, botPingToleranceMs(waiting, defaultMs));
      }
    } catch (err) {
      this.#deps.log.error({ err, botId }, 'ending the tasks of a silent bot failed');
    }
  }
}
