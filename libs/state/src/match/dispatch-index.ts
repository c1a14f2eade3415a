import type { KeyValue } from '../task/types';
import { matchesDimensions, type BotDimensionMap } from './match-dimensions';

export interface PendingEntry {
  readonly taskId: string;
  readonly priority: number;
  /** Submit order within a priority: created time, then id. */
  readonly createdAtMs: number;
  /** The dimensions of the task's current slice. */
  readonly dimensions: readonly KeyValue[];
}

/**
 * The scheduler's in-memory view: tasks waiting (ordered by priority, then submit order) and idle
 * bots. Pure data, no I/O; the coordinator claims the pairs it proposes in the store.
 *
 * This first version scans the queue in order; the scheduling issue replaces it with queues per
 * expanded dimension set so that dispatch cost does not grow with queue length.
 */
export class DispatchIndex {
  readonly #pending: PendingEntry[] = [];
  readonly #pendingIds = new Set<string>();
  readonly #idleBots = new Map<string, BotDimensionMap>();

  get pendingCount(): number {
    return this.#pending.length;
  }

  get idleBotCount(): number {
    return this.#idleBots.size;
  }

  addPending(entry: PendingEntry): void {
    if (this.#pendingIds.has(entry.taskId)) this.removePending(entry.taskId);
    this.#pendingIds.add(entry.taskId);
    let lo = 0;
    let hi = this.#pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePending(this.#pending[mid]!, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.#pending.splice(lo, 0, entry);
  }

  removePending(taskId: string): boolean {
    if (!this.#pendingIds.delete(taskId)) return false;
    const i = this.#pending.findIndex((e) => e.taskId === taskId);
    if (i >= 0) this.#pending.splice(i, 1);
    return true;
  }

  hasPending(taskId: string): boolean {
    return this.#pendingIds.has(taskId);
  }

  setBotIdle(botId: string, dimensions: BotDimensionMap): void {
    this.#idleBots.set(botId, dimensions);
  }

  /** The bot is busy, reserved, or gone: not a dispatch target. */
  removeBot(botId: string): void {
    this.#idleBots.delete(botId);
  }

  isIdle(botId: string): boolean {
    return this.#idleBots.has(botId);
  }

  /** The first waiting task (by priority, then submit order) the bot can run. */
  taskForBot(botId: string): PendingEntry | undefined {
    const dims = this.#idleBots.get(botId);
    if (dims === undefined) return undefined;
    return this.#pending.find((e) => matchesDimensions(e.dimensions, dims));
  }

  /** An idle bot that can run the task, if any. */
  botForTask(dimensions: readonly KeyValue[]): string | undefined {
    for (const [botId, dims] of this.#idleBots) {
      if (matchesDimensions(dimensions, dims)) return botId;
    }
    return undefined;
  }

  idleBotIds(): string[] {
    return [...this.#idleBots.keys()];
  }
}

function comparePending(a: PendingEntry, b: PendingEntry): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  return a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0;
}
