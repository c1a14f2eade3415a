import type { KeyValue } from '../task/types';
import {
  ANY_POOL,
  DispatchQueue,
  KnownBot,
  PendingTask,
  botHasAll,
  pairKey,
  sameDimensions,
} from './dispatch-queue';
import { ExpansionCache, type ExpandedSet } from './expansion-cache';
import { IdTable } from './id-table';
import type { BotDimensionMap } from './match-dimensions';
import { entryBefore, type PendingEntry } from './pending-entry';

export type { PendingEntry } from './pending-entry';

/** Bots looked at per queue when preferring one that holds a task's input tree. */
export const WARM_SCAN_LIMIT = 256;

export interface DispatchIndexOptions {
  /**
   * Empty queues kept (most recently emptied first) so that a dimension set seen again does not
   * pay for finding its matching bots again. @default 1024
   */
  readonly retainEmptyQueues?: number;
  /**
   * Bots that are not idle (busy, reserved, gone) whose matching queues are kept, so that going
   * idle again costs O(matching queues) rather than a scan of their pools. @default 10000
   */
  readonly retainRestingBots?: number;
}

/** Counters for tests and benchmarks: the work done, independent of the clock. */
export interface DispatchIndexStats {
  readonly queues: number;
  readonly emptyQueues: number;
  readonly knownBots: number;
  /** Task copies in the queues, removed ones not yet dropped included (≤ 2× live + 32 each). */
  readonly heldTasks: number;
  /** Queues looked at by taskForBot, since the index was built. */
  readonly queuesVisited: number;
  /** Bot–set match checks (bot going idle with new dimensions, new queue), since built. */
  readonly matchChecks: number;
}

/**
 * The scheduler's in-memory view (DESIGN.md §6): waiting tasks in one queue per OR-free dimension
 * set, each ordered by (priority, created time, id), and idle bots indexed by the queues they
 * match. Pure data, no I/O; the coordinator claims the pairs it proposes in the store.
 *
 * Costs, for a task in q ≤ 8 queues of n tasks: addPending O(q log n); removePending O(q) (the
 * task is marked; a queue drops it when it reaches the head, O(log n), or in a compaction once
 * removed copies outnumber the live ones, O(1) amortized); botForTask O(q); taskForBot
 * O(queues the bot matches); setBotIdle O(queues the bot matches) when the index remembers the
 * bot, else O(queues of its pools). A new dimension set is checked once against the known bots
 * having its rarest pair. Nothing scans the waiting tasks.
 */
export class DispatchIndex {
  readonly #retainEmptyQueues: number;
  readonly #retainRestingBots: number;
  readonly #pending = new IdTable<PendingTask>();
  readonly #queues = new Map<string, DispatchQueue>();
  /** Pool → its queues. Queues without a pool are under ANY_POOL. */
  readonly #queuesByPool = new Map<string, Set<DispatchQueue>>();
  /** Empty queues kept, oldest emptied first. */
  readonly #emptyQueues = new Set<DispatchQueue>();
  readonly #bots = new Map<string, KnownBot>();
  readonly #idle = new Map<string, KnownBot>();
  /** Known bots that are not idle, oldest first. */
  readonly #resting = new Set<KnownBot>();
  /** pairKey(key, value) → the known bots having it. */
  readonly #botsByPair = new Map<string, Set<KnownBot>>();
  readonly #expansions = new ExpansionCache();
  #queuesVisited = 0;
  #matchChecks = 0;

  constructor(options: DispatchIndexOptions = {}) {
    this.#retainEmptyQueues = options.retainEmptyQueues ?? 1024;
    this.#retainRestingBots = options.retainRestingBots ?? 10_000;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  get idleBotCount(): number {
    return this.#idle.size;
  }

  stats(): DispatchIndexStats {
    return {
      queues: this.#queues.size,
      emptyQueues: this.#emptyQueues.size,
      knownBots: this.#bots.size,
      heldTasks: [...this.#queues.values()].reduce((n, q) => n + q.heldCount, 0),
      queuesVisited: this.#queuesVisited,
      matchChecks: this.#matchChecks,
    };
  }

  /** Adds a waiting task (replacing an entry with the same id) to each of its queues. */
  addPending(entry: PendingEntry): void {
    const sets = this.#expansions.expand(entry.dimensions);
    const task = new PendingTask(
      entry,
      sets.map((set) => this.#queueFor(set)),
    );
    for (const queue of task.queues) queue.add(task);
    const replaced = this.#pending.set(entry.taskId, task);
    if (replaced !== undefined) this.#leave(replaced);
  }

  /** Takes a task out of every queue it is in. */
  removePending(taskId: string): boolean {
    const task = this.#pending.get(taskId);
    if (task === undefined) return false;
    this.#pending.delete(taskId);
    this.#leave(task);
    return true;
  }

  hasPending(taskId: string): boolean {
    return this.#pending.has(taskId);
  }

  setBotIdle(botId: string, dimensions: BotDimensionMap): void {
    let bot = this.#bots.get(botId);
    if (bot !== undefined && !sameDimensions(bot.dimensions, dimensions)) {
      this.#forget(bot);
      bot = undefined;
    }
    bot ??= this.#learn(botId, dimensions);
    if (bot.idle) return;
    this.#resting.delete(bot);
    bot.idle = true;
    this.#idle.set(botId, bot);
    for (const queue of bot.queues) queue.idleBots.add(bot);
  }

  /** The bot is busy, reserved, or gone: not a dispatch target. */
  removeBot(botId: string): void {
    const bot = this.#idle.get(botId);
    if (bot === undefined) return;
    this.#idle.delete(botId);
    bot.idle = false;
    for (const queue of bot.queues) queue.idleBots.delete(bot);
    this.#resting.add(bot);
    if (this.#resting.size > this.#retainRestingBots) {
      const oldest = this.#resting.values().next().value!;
      this.#forget(oldest);
    }
  }

  isIdle(botId: string): boolean {
    return this.#idle.has(botId);
  }

  /** The first waiting task (by priority, then submit order) the bot can run. */
  taskForBot(botId: string): PendingEntry | undefined {
    const bot = this.#idle.get(botId);
    if (bot === undefined) return undefined;
    let best: PendingEntry | undefined;
    for (const queue of bot.queues) {
      this.#queuesVisited++;
      const head = queue.head();
      if (head !== undefined && (best === undefined || entryBefore(head, best))) best = head;
    }
    return best;
  }

  /**
   * An idle bot that can run the task, if any: the one idle longest in the first queue. With
   * `warm` (the bots holding the task's input tree, docs/cas.md), an idle matching bot among
   * them if there is one, else that same bot: the preference is only a choice among the bots
   * idle now, never a wait. Without `warm`, or with it empty, nothing changes.
   */
  botForTask(dimensions: readonly KeyValue[], warm?: ReadonlySet<string>): string | undefined {
    const prefer = warm !== undefined && warm.size > 0 ? warm : undefined;
    let first: string | undefined;
    for (const set of this.#expansions.expand(dimensions)) {
      const queue = this.#queues.get(set.key);
      if (queue !== undefined) {
        const head = queue.idleBots.values().next();
        if (head.done === true) continue;
        if (prefer === undefined) return head.value.id;
        const found = this.#warmIdleIn(queue, prefer);
        if (found !== undefined) return found;
        first ??= head.value.id;
        continue;
      }
      // No queue for the set (the task is not pending here): check the candidate bots.
      for (const bot of this.#candidates(set.dimensions)) {
        this.#matchChecks++;
        if (!bot.idle || !botHasAll(set.dimensions, bot.dimensions)) continue;
        if (prefer === undefined) return bot.id;
        if (prefer.has(bot.id)) return bot.id;
        first ??= bot.id;
      }
    }
    return first;
  }

  idleBotIds(): string[] {
    return [...this.#idle.keys()];
  }

  /**
   * An idle bot of `queue` in `warm`, walking the smaller of the two, at most WARM_SCAN_LIMIT
   * bots: a preference, so a large fleet never pays more than that per task.
   */
  #warmIdleIn(queue: DispatchQueue, warm: ReadonlySet<string>): string | undefined {
    let budget = WARM_SCAN_LIMIT;
    if (warm.size <= queue.idleBots.size) {
      for (const id of warm) {
        if (budget-- === 0) return undefined;
        const bot = this.#idle.get(id);
        if (bot !== undefined && queue.idleBots.has(bot)) return id;
      }
      return undefined;
    }
    for (const bot of queue.idleBots) {
      if (budget-- === 0) return undefined;
      if (warm.has(bot.id)) return bot.id;
    }
    return undefined;
  }

  #leave(task: PendingTask): void {
    task.removed = true;
    for (const queue of task.queues) {
      queue.forget();
      if (queue.liveCount === 0) this.#queueEmptied(queue);
    }
  }

  #queueFor({ key, dimensions: set }: ExpandedSet): DispatchQueue {
    const existing = this.#queues.get(key);
    if (existing !== undefined) {
      this.#emptyQueues.delete(existing);
      return existing;
    }
    const pool = set.find((kv) => kv.key === 'pool')?.value ?? ANY_POOL;
    const queue = new DispatchQueue(key, set, pool);
    this.#queues.set(key, queue);
    let inPool = this.#queuesByPool.get(pool);
    if (inPool === undefined) this.#queuesByPool.set(pool, (inPool = new Set()));
    inPool.add(queue);
    for (const bot of this.#candidates(set)) {
      this.#matchChecks++;
      if (botHasAll(set, bot.dimensions)) this.#link(bot, queue);
    }
    return queue;
  }

  #queueEmptied(queue: DispatchQueue): void {
    this.#emptyQueues.add(queue);
    if (this.#emptyQueues.size <= this.#retainEmptyQueues) return;
    const oldest = this.#emptyQueues.values().next().value!;
    this.#emptyQueues.delete(oldest);
    this.#dropQueue(oldest);
  }

  #dropQueue(queue: DispatchQueue): void {
    this.#queues.delete(queue.key);
    const inPool = this.#queuesByPool.get(queue.pool);
    inPool?.delete(queue);
    if (inPool?.size === 0) this.#queuesByPool.delete(queue.pool);
    for (const bot of queue.matchingBots) bot.queues.delete(queue);
    queue.matchingBots.clear();
    queue.idleBots.clear();
  }

  /** Known bots that may have every pair of `set`: those having its rarest pair. */
  #candidates(set: readonly KeyValue[]): Iterable<KnownBot> {
    if (set.length === 0) return this.#bots.values();
    let rarest: Set<KnownBot> | undefined;
    for (const { key, value } of set) {
      const having = this.#botsByPair.get(pairKey(key, value));
      if (having === undefined) return [];
      if (rarest === undefined || having.size < rarest.size) rarest = having;
    }
    return rarest!;
  }

  /** Registers a bot (not idle yet) and finds the queues it matches among those of its pools. */
  #learn(botId: string, dimensions: BotDimensionMap): KnownBot {
    const pairs: string[] = [];
    for (const [key, values] of dimensions) for (const v of values) pairs.push(pairKey(key, v));
    const bot = new KnownBot(botId, dimensions, pairs);
    this.#bots.set(botId, bot);
    for (const pair of pairs) {
      let having = this.#botsByPair.get(pair);
      if (having === undefined) this.#botsByPair.set(pair, (having = new Set()));
      having.add(bot);
    }
    for (const pool of [...(dimensions.get('pool') ?? []), ANY_POOL]) {
      for (const queue of this.#queuesByPool.get(pool) ?? []) {
        this.#matchChecks++;
        if (botHasAll(queue.dimensions, dimensions)) this.#link(bot, queue);
      }
    }
    return bot;
  }

  #link(bot: KnownBot, queue: DispatchQueue): void {
    bot.queues.add(queue);
    queue.matchingBots.add(bot);
    if (bot.idle) queue.idleBots.add(bot);
  }

  /** Removes every trace of a bot; it is learned again when it next goes idle. */
  #forget(bot: KnownBot): void {
    if (bot.idle) this.#idle.delete(bot.id);
    this.#resting.delete(bot);
    this.#bots.delete(bot.id);
    for (const queue of bot.queues) {
      queue.matchingBots.delete(bot);
      queue.idleBots.delete(bot);
    }
    bot.queues.clear();
    bot.idle = false;
    for (const pair of bot.pairs) {
      const having = this.#botsByPair.get(pair);
      having?.delete(bot);
      if (having?.size === 0) this.#botsByPair.delete(pair);
    }
  }
}
