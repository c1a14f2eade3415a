import type * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  NotFoundError,
  msToTimestamp,
  type StringListPair,
  type StringPairOut,
  type Timestamp,
} from '@drover/protocol';
import { matchesDimensions, toDimensionMap, type BotRecord, type KeyValue } from '@drover/state';
import type { Logger } from 'pino';
import type { TokenAuthority } from '../auth/tokens';
import type { BotRegistry } from '../botapi/bot-registry';
import type { TaskEngine } from '../engine/task-engine';
import { authenticate, unary } from './grpc-edge';

/** Paging of DESIGN.md §4: default 100, at most 1000, opaque cursor. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

type NullableBool = 'NULL' | 'FALSE' | 'TRUE';

interface BotHealthWire {
  cpu_load: number;
  free_disk_bytes: number;
  uptime_secs: number;
  running_task_id: string;
  quarantined_reason: string;
}

interface BotInfoWire {
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

/** A bot as the Bots service judges it: the stored record joined with live registry/engine state. */
interface BotView {
  readonly info: BotInfoWire;
  readonly busy: boolean;
}

function num(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return 0;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function toFilter(dimensions: readonly StringPairOut[]): KeyValue[] {
  return dimensions.map((d, i) => {
    if (d.key === '' || d.value === '') {
      throw new InvalidArgumentError(
        `dimensions[${i}]`,
        `must be key:value with both set, got ${JSON.stringify(`${d.key}:${d.value}`)}`,
      );
    }
    return { key: d.key, value: d.value };
  });
}

function toLimit(limit: number): number {
  if (limit < 0 || limit > MAX_LIMIT) {
    throw new InvalidArgumentError(
      'limit',
      `must be between 0 (default ${DEFAULT_LIMIT}) and ${MAX_LIMIT}, got ${limit}`,
    );
  }
  return limit === 0 ? DEFAULT_LIMIT : limit;
}

/** Cursor = base64url of the last bot id returned (bots are ordered by id). */
function encodeCursor(botId: string): string {
  return Buffer.from(botId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  if (cursor === '') return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id === '' || encodeCursor(id) !== cursor) {
    throw new InvalidArgumentError('cursor', 'not a cursor returned by this server');
  }
  return id;
}

function matchesTri(filter: NullableBool | undefined, value: boolean): boolean {
  if (filter === 'TRUE') return value;
  if (filter === 'FALSE') return !value;
  return true;
}

/** ListBots, GetBot and CountBots (DESIGN.md §4); the other Bots methods are not built yet. */
export function botsHandlers(deps: {
  engine: TaskEngine;
  registry: BotRegistry;
  tokens: TokenAuthority;
  log: Logger;
  clock: () => number;
  botDeathTimeoutMs: number;
}): grpc.UntypedServiceImplementation {
  const { engine, registry, tokens, log, clock, botDeathTimeoutMs } = deps;
  const store = engine.store;

  function view(bot: BotRecord, now: number): BotView {
    const connected = registry.isConnected(bot.id);
    const lastSeenMs = Math.max(bot.lastSeenMs, registry.lastSeenOf(bot.id) ?? 0);
    const reason = registry.quarantinedReasonOf(bot.id) ?? str(bot.state['quarantined_reason']);
    const taskId = engine.taskOf(bot.id) ?? '';
    return {
      busy: taskId !== '',
      info: {
        bot_id: bot.id,
        dimensions: bot.dimensions.map((d) => ({ key: d.key, value: [...d.values] })),
        state: {
          cpu_load: num(bot.state['cpu_load']),
          free_disk_bytes: num(bot.state['free_disk_bytes']),
          uptime_secs: num(bot.state['uptime_secs']),
          running_task_id: str(bot.state['running_task_id']),
          quarantined_reason: str(bot.state['quarantined_reason']),
        },
        version: bot.version,
        is_dead: !connected && now - lastSeenMs > botDeathTimeoutMs,
        connected,
        quarantined: reason !== '',
        quarantined_reason: reason,
        in_maintenance: false,
        maintenance_msg: '',
        task_id: taskId,
        task_name: '',
        first_seen_ts: msToTimestamp(bot.firstSeenMs),
        last_seen_ts: msToTimestamp(lastSeenMs),
        session_id: bot.sessionId,
      },
    };
  }

  /** Every stored bot (ordered by id) matching the dimension filter. */
  async function matching(filter: readonly KeyValue[]): Promise<BotView[]> {
    const now = clock();
    const bots = await store.listBots();
    return bots
      .filter((b) => matchesDimensions(filter, toDimensionMap(b.dimensions)))
      .map((b) => view(b, now));
  }

  return {
    GetBot: unary<{ bot_id: string }, BotInfoWire>(log, 'GetBot', async (req, call) => {
      authenticate(tokens, call.metadata, 'client');
      if (req.bot_id === '') throw new InvalidArgumentError('bot_id', 'is required');
      const bot = await store.getBot(req.bot_id);
      if (bot === undefined) throw new NotFoundError(`bot ${req.bot_id}`);
      return view(bot, clock()).info;
    }),

    ListBots: unary<
      {
        dimensions: StringPairOut[];
        quarantined: NullableBool;
        in_maintenance: NullableBool;
        is_dead: NullableBool;
        is_busy: NullableBool;
        limit: number;
        cursor: string;
      },
      { items: BotInfoWire[]; cursor: string }
    >(log, 'ListBots', async (req, call) => {
      authenticate(tokens, call.metadata, 'client');
      const filter = toFilter(req.dimensions);
      const limit = toLimit(req.limit);
      const after = decodeCursor(req.cursor);
      const selected = (await matching(filter)).filter(
        (v) =>
          (after === undefined || v.info.bot_id > after) &&
          matchesTri(req.quarantined, v.info.quarantined) &&
          matchesTri(req.in_maintenance, v.info.in_maintenance) &&
          matchesTri(req.is_dead, v.info.is_dead) &&
          matchesTri(req.is_busy, v.busy),
      );
      const items = selected.slice(0, limit).map((v) => v.info);
      const more = selected.length > limit;
      return { items, cursor: more ? encodeCursor(items[items.length - 1]!.bot_id) : '' };
    }),

    CountBots: unary<
      { dimensions: StringPairOut[] },
      { count: number; busy: number; quarantined: number; maintenance: number; dead: number }
    >(log, 'CountBots', async (req, call) => {
      authenticate(tokens, call.metadata, 'client');
      const views = await matching(toFilter(req.dimensions));
      return {
        count: views.length,
        busy: views.filter((v) => v.busy).length,
        quarantined: views.filter((v) => v.info.quarantined).length,
        maintenance: views.filter((v) => v.info.in_maintenance).length,
        dead: views.filter((v) => v.info.is_dead).length,
      };
    }),
  };
}
