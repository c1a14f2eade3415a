import {
  matchesDimensions,
  toDimensionMap,
  type KeyValue,
  type KeyValues,
  type PendingSummary,
  type Task,
} from '@drover/state';

/** A bot as "why does this task wait" counts it. */
export interface WaitBot {
  readonly id: string;
  readonly dimensions: readonly KeyValues[];
  readonly connected: boolean;
  readonly dead: boolean;
  readonly quarantined: boolean;
  readonly maintenance: boolean;
  readonly busy: boolean;
}

/** The matching bots of one slice by what keeps them from taking it (each bot counted once). */
export interface BotCounts {
  total: number;
  idle: number;
  busy: number;
  quarantined: number;
  maintenance: number;
  disconnected: number;
  dead: number;
}

export interface SliceWait {
  readonly index: number;
  readonly current: boolean;
  readonly dimensions: readonly KeyValue[];
  /** When the slice expires: created + Σ expiration_secs up to it. */
  readonly deadlineMs: number;
  readonly bots: BotCounts;
}

export interface WaitReasons {
  readonly slices: readonly SliceWait[];
  /** 1-based place among the PENDING tasks of its pool in dispatch order; 0 = not waiting. */
  readonly position: number;
  /** PENDING tasks in its pool. */
  readonly queued: number;
}

type BotState = Exclude<keyof BotCounts, 'total'>;

function stateOf(bot: WaitBot): BotState {
  if (bot.dead) return 'dead';
  if (!bot.connected) return 'disconnected';
  if (bot.quarantined) return 'quarantined';
  if (bot.maintenance) return 'maintenance';
  return bot.busy ? 'busy' : 'idle';
}

/** Dispatch order: lower priority number first, then older, then by id. */
function before(a: PendingSummary, b: PendingSummary): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs < b.createdAtMs;
  return a.taskId < b.taskId;
}

/**
 * Why a task waits, from the fleet and the queue as they are (pure: the caller reads them): per
 * slice the bots matching its dimensions by state (idle, busy, quarantined, maintenance,
 * disconnected, dead) and its deadline; the task's place among the PENDING tasks of its pool.
 */
export function whyWaiting(
  task: Task,
  bots: readonly WaitBot[],
  pending: readonly PendingSummary[],
): WaitReasons {
  const maps = bots.map((b) => ({ bot: b, dims: toDimensionMap(b.dimensions) }));
  let deadline = task.createdAtMs;
  const slices = task.spec.slices.map((slice, index) => {
    deadline += slice.expirationSecs * 1000;
    const counts: BotCounts = {
      total: 0,
      idle: 0,
      busy: 0,
      quarantined: 0,
      maintenance: 0,
      disconnected: 0,
      dead: 0,
    };
    for (const { bot, dims } of maps) {
      if (!matchesDimensions(slice.properties.dimensions, dims)) continue;
      counts.total++;
      counts[stateOf(bot)]++;
    }
    return {
      index,
      current: index === task.currentSlice,
      dimensions: slice.properties.dimensions,
      deadlineMs: deadline,
      bots: counts,
    };
  });
  const self = pending.find((p) => p.taskId === task.id);
  if (self === undefined) return { slices, position: 0, queued: 0 };
  const pool = pending.filter((p) => p.pool === self.pool);
  const ahead = pool.filter((p) => p.taskId !== task.id && before(p, self)).length;
  return { slices, position: ahead + 1, queued: pool.length };
}
