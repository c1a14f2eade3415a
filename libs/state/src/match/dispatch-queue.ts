import type { KeyValue } from '../task/types';
import type { BotDimensionMap } from './match-dimensions';
import type { PendingEntry } from './pending-entry';
import { TaskHeap, type HeapTask } from './task-heap';

/** Queues whose dimension set has no `pool` (not valid from the API, but matchable). */
export const ANY_POOL = '\u0000any';

/** A waiting task in the index, in each of its queues (one per OR-expanded dimension set). */
export class PendingTask implements HeapTask {
  removed = false;
  constructor(
    readonly entry: PendingEntry,
    readonly queues: readonly DispatchQueue[],
  ) {}
}

/** A bot the index knows: idle, or resting (busy, reserved, gone) with its matches kept. */
export class KnownBot {
  readonly queues = new Set<DispatchQueue>();
  idle = false;
  constructor(
    readonly id: string,
    readonly dimensions: BotDimensionMap,
    /** pairKey() of every (key, value) the bot has: its entries in the posting lists. */
    readonly pairs: readonly string[],
  ) {}
}

/**
 * The tasks waiting for one OR-free dimension set, best first, and the known bots that match the
 * set (the idle ones apart, for botForTask). Tasks that left the index (dispatched through
 * another of their queues, cancelled) stay in the heap until they reach its head or until they
 * outnumber the live ones, then go in one pass: O(1) amortized per removal.
 */
export class DispatchQueue {
  readonly #heap = new TaskHeap();
  /** Tasks in the heap not removed. */
  #live = 0;
  readonly matchingBots = new Set<KnownBot>();
  /** In the order they became idle: the first has waited longest. */
  readonly idleBots = new Set<KnownBot>();

  constructor(
    readonly key: string,
    /** Sorted by key then value, no duplicates, no `|`. */
    readonly dimensions: readonly KeyValue[],
    /** The pool the queue is filed under (its first pool value), or ANY_POOL. */
    readonly pool: string,
  ) {}

  get liveCount(): number {
    return this.#live;
  }

  /** Tasks held, removed ones included (for tests of the bound). */
  get heldCount(): number {
    return this.#heap.size;
  }

  add(task: PendingTask): void {
    this.#heap.push(task);
    this.#live++;
  }

  /** One of the queue's tasks was marked removed. */
  forget(): void {
    this.#live--;
    const dead = this.#heap.size - this.#live;
    if (this.#live === 0) this.#heap.clear();
    else if (dead > 32 && dead > this.#live) this.#heap.retain((t) => !t.removed);
  }

  /** The best live task, dropping removed ones found at the head. */
  head(): PendingEntry | undefined {
    for (;;) {
      const top = this.#heap.peek();
      if (top === undefined || !top.removed) return top?.entry;
      this.#heap.pop();
    }
  }
}

/** An unambiguous spelling of one (key, value), whatever characters they hold. */
export function pairKey(key: string, value: string): string {
  return `${key.length}:${key}${value.length}:${value}`;
}

/** The canonical key of a sorted, deduplicated, OR-free dimension set. */
export function dimensionSetKey(set: readonly KeyValue[]): string {
  let out = '';
  for (const { key, value } of set) out += pairKey(key, value);
  return out;
}

/** Does the bot have every (key, value) of an OR-free set? */
export function botHasAll(set: readonly KeyValue[], bot: BotDimensionMap): boolean {
  for (const { key, value } of set) {
    if (bot.get(key)?.has(value) !== true) return false;
  }
  return true;
}

export function sameDimensions(a: BotDimensionMap, b: BotDimensionMap): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [key, values] of a) {
    const other = b.get(key);
    if (other === undefined || other.size !== values.size) return false;
    for (const v of values) if (!other.has(v)) return false;
  }
  return true;
}
