import type * as grpc from '@grpc/grpc-js';
import {
  msToTimestamp,
  stateQueryFilter,
  taskToResult,
  timestampToMs,
  type StateQueryWire,
  type StringListPair,
  type TaskResult,
  type Timestamp,
  type TimestampOut,
} from '@drover/protocol';
import { poolsWith } from '../auth/principal';
import {
  authorizedBot,
  seesEveryPool,
  requireBotId,
  storePage,
  timeRange,
  toLimit,
  type BotsDeps,
} from './bots-view';
import { authenticate, unary } from './grpc-edge';
import type { Principal } from '../auth/principal';
import type { Store } from '@drover/state';

export interface BotEventWire {
  ts: Timestamp | null;
  bot_id: string;
  event_type: string;
  message: string;
  task_id: string;
  dimensions: StringListPair[];
}

/**
 * The bot's history may be read by whoever may view it; a deleted bot's history (its events and
 * tasks stay) only by callers who view every pool, since its pools are no longer known.
 */
async function checkHistoryAccess(store: Store, p: Principal, botId: string): Promise<void> {
  requireBotId(botId);
  if ((await store.getBot(botId)) === undefined && seesEveryPool(p)) return;
  await authorizedBot(store, p, botId, 'view');
}

export interface BotEventsQuery {
  bot_id: string;
  start: TimestampOut | null;
  end: TimestampOut | null;
  limit: number;
  cursor: string;
}

export interface BotTasksQuery extends BotEventsQuery {
  state: StateQueryWire;
}

/** ListBotEvents as `p`: the bot's events, newest first, paged (the dashboard's API too). */
export async function listBotEvents(
  deps: BotsDeps,
  p: Principal,
  req: BotEventsQuery,
): Promise<{ items: BotEventWire[]; cursor: string }> {
  const { store, botEvents } = deps;
  await checkHistoryAccess(store, p, req.bot_id);
  const range = timeRange(timestampToMs(req.start), timestampToMs(req.end));
  const limit = toLimit(req.limit);
  // A bot that went silent past the death timeout shows as missing right away.
  await botEvents.sweep();
  const page = await storePage(() =>
    store.listBotEvents(
      { botId: req.bot_id, ...range },
      { limit, ...(req.cursor === '' ? {} : { cursor: req.cursor }) },
    ),
  );
  return {
    items: page.events.map((e) => ({
      ts: msToTimestamp(e.tsMs),
      bot_id: e.botId,
      event_type: e.eventType,
      message: e.message,
      task_id: e.taskId,
      dimensions: e.dimensions.map((d) => ({ key: d.key, value: [...d.values] })),
    })),
    cursor: page.cursor,
  };
}

/** ListBotTasks as `p`: the tasks the bot ran in pools `p` may view, newest first, paged. */
export async function listBotTasks(
  deps: BotsDeps,
  p: Principal,
  req: BotTasksQuery,
): Promise<{ items: TaskResult[]; cursor: string }> {
  const { store } = deps;
  await checkHistoryAccess(store, p, req.bot_id);
  const range = timeRange(timestampToMs(req.start), timestampToMs(req.end));
  const limit = toLimit(req.limit);
  const pools = poolsWith(p, 'view');
  const page = await storePage(() =>
    store.listTasks(
      {
        botId: req.bot_id,
        ...stateQueryFilter(req.state),
        ...range,
        ...(pools === 'all' ? {} : { pools }),
      },
      { limit, ...(req.cursor === '' ? {} : { cursor: req.cursor }) },
    ),
  );
  return { items: page.tasks.map(taskToResult), cursor: page.cursor };
}

/** ListBotEvents and ListBotTasks: one bot's history (DESIGN.md §4), newest first, paged. */
export function botsHistoryHandlers(deps: BotsDeps): grpc.UntypedServiceImplementation {
  const { tokens, log } = deps;
  return {
    ListBotEvents: unary<BotEventsQuery, { items: BotEventWire[]; cursor: string }>(
      log,
      'ListBotEvents',
      async (req, call) => listBotEvents(deps, authenticate(tokens, call.metadata, 'client'), req),
    ),

    ListBotTasks: unary<BotTasksQuery, { items: TaskResult[]; cursor: string }>(
      log,
      'ListBotTasks',
      async (req, call) => listBotTasks(deps, authenticate(tokens, call.metadata, 'client'), req),
    ),
  };
}
