import {
  InvalidArgumentError,
  PermissionDeniedError,
  NotFoundError,
  msToTimestamp,
  type StringListPair,
  type Timestamp,
} from '@drover/protocol';
import { InvalidCursorError, type BotRecord, type KeyValues, type Store } from '@drover/state';
import type { Logger } from 'pino';
import { can, poolsWith, type Principal, type Role } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import type { AuditLog } from '../audit/audit-log';
import type { BotRegistry } from '../botapi/bot-registry';
import type { Dispatcher } from '../engine/dispatcher';
import type { TaskEngine } from '../engine/task-engine';
import type { BotEventRecorder } from '../fleet/bot-event-recorder';

/** How the Bots service shows a bot (BotInfo), and who may see or act on which bot. */

/** Paging of DESIGN.md §4: default 100, at most 1000, opaque cursor. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

interface BotHealthWire {
  cpu_load: number;
  free_disk_bytes: number;
  uptime_secs: number;
  running_task_id: string;
  quarantined_reason: string;
  /** Named caches kept by the bot, with their sizes (issue 10). */
  caches: { name: string; size_bytes: number }[];
}

export interface BotInfoWire {
  bot_id: string;
  dimensions: StringListPair[];
  state: BotHealthWire;
  version: string;
  is_dead: boolean;
  connected: boolean;
  quarantined: boolean;
  quarantined_reason: string;
  in_maintenance: boolean;
  maintenance_msg: string;
  task_id: string;
  task_name: string;
  first_seen_ts: Timestamp | null;
  last_seen_ts: Timestamp | null;
  session_id: string;
}

/**
 * A bot as the Bots service judges it: the stored record joined with live registry and dispatcher
 * state.
 */
export interface BotView {
  readonly info: BotInfoWire;
  readonly busy: boolean;
  /** The values of its `pool` dimension: who may see it. */
  readonly pools: readonly string[];
}

export interface BotViewDeps {
  /** Reads the name of the task a bot holds. */
  readonly store: Pick<Store, 'getTask'>;
  /** Knows which task a bot connected here holds. */
  readonly dispatcher: Pick<Dispatcher, 'taskOf'>;
  readonly registry: BotRegistry;
  readonly clock: () => number;
  readonly botDeathTimeoutMs: number;
}

/** What every Bots handler gets. */
export interface BotsDeps extends BotViewDeps {
  readonly store: Store;
  /** Bot availability here: admin changes and deletions are told to it, terminations read. */
  readonly dispatcher: Pick<Dispatcher, 'taskOf' | 'terminationOf' | 'botReady' | 'botGone'>;
  /** Submits termination tasks (TerminateBot). */
  readonly engine: TaskEngine;
  readonly tokens: TokenAuthority;
  readonly log: Logger;
  readonly botEvents: BotEventRecorder;
  /** Records the admin actions (audit/). */
  readonly audit: AuditLog;
}

function num(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return 0;
}

/** The named caches of a stored bot state (issue 10); malformed entries are left out. */
function cachesOf(v: unknown): { name: string; size_bytes: number }[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((c: unknown) => {
    const rec = (c ?? {}) as Record<string, unknown>;
    return typeof rec['name'] === 'string'
      ? [{ name: rec['name'], size_bytes: num(rec['size_bytes']) }]
      : [];
  });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A bot's pools: the values of its `pool` dimension. */
export function botPools(dimensions: readonly KeyValues[]): string[] {
  return [...(dimensions.find((d) => d.key === 'pool')?.values ?? [])];
}

/**
 * BotInfo of a stored bot. Quarantined when an admin or the bot itself says so (the admin's
 * reason first); the task (id and name) is the one the dispatcher knows the bot holds.
 */
export async function viewBot(deps: BotViewDeps, bot: BotRecord, nowMs: number): Promise<BotView> {
  const { store, dispatcher, registry } = deps;
  const connected = registry.isConnectedAnywhere(bot.id);
  const lastSeenMs = Math.max(bot.lastSeenMs, registry.lastSeenOf(bot.id) ?? 0);
  const selfReason = registry.quarantinedReasonOf(bot.id) ?? str(bot.state['quarantined_reason']);
  const reason = bot.admin.quarantinedReason !== '' ? bot.admin.quarantinedReason : selfReason;
  const taskId = dispatcher.taskOf(bot.id) ?? '';
  const taskName = taskId === '' ? '' : ((await store.getTask(taskId))?.spec.name ?? '');
  return {
    busy: taskId !== '',
    pools: botPools(bot.dimensions),
    info: {
      bot_id: bot.id,
      dimensions: bot.dimensions.map((d) => ({ key: d.key, value: [...d.values] })),
      state: {
        cpu_load: num(bot.state['cpu_load']),
        free_disk_bytes: num(bot.state['free_disk_bytes']),
        uptime_secs: num(bot.state['uptime_secs']),
        running_task_id: str(bot.state['running_task_id']),
        quarantined_reason: str(bot.state['quarantined_reason']),
        caches: cachesOf(bot.state['caches']),
      },
      version: bot.version,
      is_dead: !connected && nowMs - lastSeenMs > deps.botDeathTimeoutMs,
      connected,
      quarantined: reason !== '',
      quarantined_reason: reason,
      in_maintenance: bot.admin.maintenance,
      maintenance_msg: bot.admin.maintenanceMsg,
      task_id: taskId,
      task_name: taskName,
      first_seen_ts: msToTimestamp(bot.firstSeenMs),
      last_seen_ts: msToTimestamp(lastSeenMs),
      session_id: bot.sessionId,
    },
  };
}

export function requireBotId(botId: string): string {
  if (botId === '') throw new InvalidArgumentError('bot_id', 'is required');
  return botId;
}

/** Whether `p` may view every pool (then a missing bot may be called missing). */
export function seesEveryPool(p: Principal): boolean {
  return poolsWith(p, 'view') === 'all';
}

/**
 * The stored bot, if `p` has `role` in its pools. Reveals nothing: to a caller who cannot view
 * every pool, a missing bot and one it may not view get the same PERMISSION_DENIED; a caller who
 * views all gets NOT_FOUND for a missing bot. A visible bot without `role` is PERMISSION_DENIED
 * naming the role.
 */
export async function authorizedBot(
  store: Store,
  p: Principal,
  botId: string,
  role: Role,
): Promise<BotRecord> {
  const bot = await store.getBot(requireBotId(botId));
  const hidden = new PermissionDeniedError(`bot ${botId}: unknown, or not in a pool you may view`);
  if (bot === undefined) {
    if (seesEveryPool(p)) throw new NotFoundError(`bot ${botId}`);
    throw hidden;
  }
  const pools = botPools(bot.dimensions);
  if (!can(p, 'view', pools)) throw hidden;
  if (!can(p, role, pools)) {
    throw new PermissionDeniedError(
      `bot ${botId}: the ${role} role in pool ${pools.join('|')} is needed`,
    );
  }
  return bot;
}

export function toLimit(limit: number): number {
  if (limit < 0 || limit > MAX_LIMIT) {
    throw new InvalidArgumentError(
      'limit',
      `must be between 0 (default ${DEFAULT_LIMIT}) and ${MAX_LIMIT}, got ${limit}`,
    );
  }
  return limit === 0 ? DEFAULT_LIMIT : limit;
}

/** Runs a store paging call; a cursor it does not recognise is the caller's INVALID_ARGUMENT. */
export async function storePage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidCursorError)
      throw new InvalidArgumentError('cursor', 'not a cursor returned by this server');
    throw err;
  }
}

/** start/end of a request in ms; end before start is INVALID_ARGUMENT naming `end`. */
export function timeRange(
  startMs: number | null,
  endMs: number | null,
): { startMs?: number; endMs?: number } {
  if (startMs !== null && endMs !== null && endMs < startMs) {
    throw new InvalidArgumentError('end', 'must not be before start');
  }
  return {
    ...(startMs === null ? {} : { startMs }),
    ...(endMs === null ? {} : { endMs }),
  };
}

/** CountBots of some bots: how many, and how many busy, quarantined, in maintenance, dead. */
export function countBotViews(views: readonly BotView[]): {
  count: number;
  busy: number;
  quarantined: number;
  maintenance: number;
  dead: number;
} {
  return {
    count: views.length,
    busy: views.filter((v) => v.busy).length,
    quarantined: views.filter((v) => v.info.quarantined).length,
    maintenance: views.filter((v) => v.info.in_maintenance).length,
    dead: views.filter((v) => v.info.is_dead).length,
  };
}
