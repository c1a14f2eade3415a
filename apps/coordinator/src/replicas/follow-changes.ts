import type { BotNote, ChangeFeed, ChangeNote, Store } from '@drover/state';
import type { Logger } from 'pino';
import type { BotRegistry } from '../botapi/bot-registry';
import type { Dispatcher } from '../engine/dispatcher';
import type { TaskEngine } from '../engine/task-engine';
import type { TaskTimers } from '../engine/task-timers';
import { RemoteTasks } from './remote-tasks';

/**
 * Keeps this replica in step with the others sharing the store (DESIGN.md §6): their task
 * changes go to RemoteTasks (in the order they were committed), output growth to output
 * watchers, bot changes to the registry and the dispatcher (capacity, admin state, deletions),
 * and an interrupted feed rebuilds what it may have missed.
 */
export class ChangeFollower {
  readonly #engine: TaskEngine;
  readonly #dispatcher: Dispatcher;
  readonly #remote: RemoteTasks;
  readonly #registry: BotRegistry;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #unsubscribe: () => void;
  /** Task notes are applied one after another, in arrival order. */
  #tasks: Promise<void> = Promise.resolve();
  /** Bots whose record must be read (coalesced: a burst of notes costs one read per bot). */
  readonly #botsToRead = new Set<string>();
  #reading: Promise<void> | undefined;
  #closed = false;

  constructor(deps: {
    feed: ChangeFeed;
    engine: TaskEngine;
    dispatcher: Dispatcher;
    timers: TaskTimers;
    registry: BotRegistry;
    store: Store;
    log: Logger;
  }) {
    this.#engine = deps.engine;
    this.#dispatcher = deps.dispatcher;
    this.#remote = new RemoteTasks(deps);
    this.#registry = deps.registry;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#unsubscribe = deps.feed.subscribe((note) => this.#on(note));
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#remote.close();
  }

  #on(note: ChangeNote): void {
    if (this.#closed) return;
    switch (note.kind) {
      case 'task':
        this.#tasks = this.#tasks
          .then(() => this.#remote.changed(note))
          .catch((err: unknown) =>
            this.#log.error({ err, taskId: note.id }, 'applying a remote task change failed'),
          );
        return;
      case 'output':
        this.#engine.outputGrew(note.id, note.size);
        return;
      case 'bot':
        this.#bot(note);
        return;
      case 'access':
        // Tokens, principals and bot groups: their registry follows the feed itself.
        return;
      case 'resync':
        this.#log.warn('change feed reconnected: re-reading waiting tasks and bots');
        this.#tasks = this.#tasks
          .then(async () => {
            await this.#remote.resync();
            for (const bot of await this.#store.listBots()) this.#botsToRead.add(bot.id);
            this.#readBots();
          })
          .catch((err: unknown) => this.#log.error({ err }, 'resync failed'));
        return;
      default: {
        const never: never = note;
        this.#log.warn({ note: never }, 'unknown change note');
      }
    }
  }

  #bot(note: BotNote): void {
    if (
      note.sessionId !== undefined &&
      note.connected !== undefined &&
      note.lastSeenMs !== undefined &&
      this.#registry.touchRemote(note.id, note.sessionId, note.connected, note.lastSeenMs)
    ) {
      return;
    }
    this.#botsToRead.add(note.id);
    this.#readBots();
  }

  #readBots(): void {
    if (this.#reading !== undefined) return;
    this.#reading = (async () => {
      try {
        while (this.#botsToRead.size > 0 && !this.#closed) {
          const [botId] = this.#botsToRead;
          this.#botsToRead.delete(botId!);
          await this.#readBot(botId!);
        }
      } finally {
        this.#reading = undefined;
      }
    })();
  }

  async #readBot(botId: string): Promise<void> {
    try {
      const record = await this.#store.getBot(botId);
      const outcome = this.#registry.applyRecord(botId, record);
      if (outcome === 'closed') this.#dispatcher.botGone(botId);
      else if (outcome !== 'unchanged') this.#dispatcher.botReady(botId);
    } catch (err) {
      this.#log.warn({ err, botId }, 'reading a changed bot failed');
    }
  }
}
