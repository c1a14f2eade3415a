import type { KeyValue } from '../task/types';
import type { BotDimensionMap } from './match-dimensions';
import { PositionalHeap, type HeapElement } from './positional-heap';

export interface PendingEntry {
  readonly taskId: string;
  readonly priority: number;
  /** Submit order within a priority: created time, then id. */
  readonly createdAtMs: number;
  /** The dimensions of the task's current slice. */
  readonly dimensions: readonly KeyValue[];
}

/** Queues whose dimension set has no `pool` (not valid from the API, but matchable). */
export const ANY_POOL = '\u0000any';

/** A waiting task and its place in each of its queues (one per OR-expanded dimension set). */
export interface PendingTask {
  readonly entry: PendingEntry;
  readonly slots: readonly QueueSlot[];
}

/** A pending task's place in one queue. */
export class QueueSlot implements HeapElement {
  heapPos = -1;
  constructor(
    readonly entry: PendingEntry,
    readonly queue: DispatchQueue,
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
 * set (the idle ones apart, for botForTask).
 */
export class DispatchQueue {
  readonly heap = new PositionalHeap<QueueSlot>(slotBefore);
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

  head(): PendingEntry | undefined {
    return this.heap.peek()?.entry;
  }
}

/** Priority (lower first), then created time, then id. */
export function entryBefore(a: PendingEntry, b: PendingEntry): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs < b.createdAtMs;
  return a.taskId < b.taskId;
}

function slotBefore(a: QueueSlot, b: QueueSlot): boolean {
  return entryBefore(a.entry, b.entry);
}

export function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/** The canonical key of a sorted, deduplicated, OR-free dimension set. */
export function dimensionSetKey(set: readonly KeyValue[]): string {
  let out = '';
  for (let i = 0; i < set.length; i++) {
    if (i > 0) out += '\u0001';
    out += pairKey(set[i]!.key, set[i]!.value);
  }
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
