import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { BotMessageOut, CoordinatorMessage } from '@drover/protocol';
import type { Store } from '@drover/state';
import type { Logger } from 'pino';
import { mayUseBotId } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import type { TaskEngine } from '../engine/task-engine';
import type { BotRegistry } from './bot-registry';
import { BotSession } from './bot-session';

export interface BotApiDeps {
  readonly engine: TaskEngine;
  readonly registry: BotRegistry;
  readonly store: Store;
  readonly tokens: TokenAuthority;
  readonly clock: () => number;
  readonly log: Logger;
  readonly heartbeatIntervalMs: number;
  readonly botPingToleranceMs: number;
}

/**
 * BotApi.Connect: authenticates the bot token (a client token is refused; the bot id of Hello must
 * match the group's `botIds`), then hands the stream to a BotSession. When a bot
 * disconnects, its RUNNING tasks become BOT_DIED unless it is back within the ping tolerance.
 */
export class BotApiService {
  readonly #deps: BotApiDeps;
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();

  constructor(deps: BotApiDeps) {
    this.#deps = deps;
  }

  /** The handler map for grpc.Server#addService. */
  handlers(): grpc.UntypedServiceImplementation {
    return {
      Connect: (call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>) =>
        this.#connect(call),
    };
  }

  /** Watches RUNNING tasks of bots that were connected before a restart and never came back. */
  async start(): Promise<void> {
    const running = await this.#deps.store.listTasksInStates(['RUNNING']);
    for (const botId of new Set(
      running.map((t) => t.botId).filter((b): b is string => b !== null),
    )) {
      this.#watch(botId);
    }
  }

  close(): void {
    for (const t of this.#graceTimers.values()) clearTimeout(t);
    this.#graceTimers.clear();
  }

  #connect(call: grpc.ServerDuplexStream<BotMessageOut, CoordinatorMessage>): void {
    const auth = call.metadata.get('authorization')[0];
    const principal = this.#deps.tokens.authenticate(typeof auth === 'string' ? auth : undefined);
    if (principal === undefined) {
      call.emit('error', { code: status.UNAUTHENTICATED, details: 'missing or invalid bot token' });
      return;
    }
    if (principal.kind !== 'bot') {
      call.emit('error', {
        code: status.PERMISSION_DENIED,
        details: 'only bot tokens may open a bot stream',
      });
      return;
    }
    const session = new BotSession(call, {
      engine: this.#deps.engine,
      registry: this.#deps.registry,
      store: this.#deps.store,
      clock: this.#deps.clock,
      log: this.#deps.log,
      heartbeatIntervalMs: this.#deps.heartbeatIntervalMs,
      botPingToleranceMs: this.#deps.botPingToleranceMs,
      forcedDimensions: principal.forcedDimensions,
      mayUseBotId: (botId) => mayUseBotId(principal, botId),
      onConnected: (botId) => this.#unwatch(botId),
      onDisconnected: (botId, lastHeardMs) => this.#watch(botId, lastHeardMs),
    });
    session.run();
  }

  /**
   * Ends the bot's RUNNING tasks as BOT_DIED once it has been silent for the ping tolerance,
   * counted from the last message it sent (not from when the stream noticed), unless it is back.
   */
  #watch(botId: string, lastHeardMs = this.#deps.clock()): void {
    this.#unwatch(botId);
    const delayMs = Math.max(0, lastHeardMs + this.#deps.botPingToleranceMs - this.#deps.clock());
    const timer = setTimeout(() => {
      this.#graceTimers.delete(botId);
      void this.#botGone(botId);
    }, delayMs);
    timer.unref();
    this.#graceTimers.set(botId, timer);
  }

  #unwatch(botId: string): void {
    const t = this.#graceTimers.get(botId);
    if (t !== undefined) {
      clearTimeout(t);
      this.#graceTimers.delete(botId);
    }
  }

  async #botGone(botId: string): Promise<void> {
    if (this.#deps.registry.isConnected(botId)) return;
    try {
      const running = await this.#deps.store.listTasksInStates(['RUNNING']);
      for (const task of running) {
        if (task.botId !== botId) continue;
        await this.#deps.engine.apply(task.id, {
          type: 'bot-died',
          leaseId: task.leaseId ?? '',
          reason: `the bot was silent for more than ${this.#deps.botPingToleranceMs / 1000}s`,
        });
      }
    } catch (err) {
      this.#deps.log.error({ err, botId }, 'ending the tasks of a silent bot failed');
    }
  }
}
