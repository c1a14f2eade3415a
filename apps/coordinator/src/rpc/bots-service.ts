import type * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  PermissionDeniedError,
  type StringListPair,
  type StringPairOut,
} from '@drover/protocol';
import { matchesDimensions, toDimensionMap, type KeyValue } from '@drover/state';
import { can, type Principal } from '../auth/principal';
import { botsAdminHandlers } from './bots-admin';
import { botsHistoryHandlers } from './bots-history';
import { botsTerminateHandlers } from './bots-terminate';
import {
  authorizedBot,
  toLimit,
  viewBot,
  type BotInfoWire,
  countBotViews,
  type BotView,
  type BotViewDeps,
  type BotsDeps,
} from './bots-view';
import { authenticate, unary } from './grpc-edge';

type NullableBool = 'NULL' | 'FALSE' | 'TRUE';

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

/** Keys (sorted) → sorted distinct values, over the given bots' dimensions. */
function dimensionUnion(views: readonly BotView[]): StringListPair[] {
  const union = new Map<string, Set<string>>();
  for (const v of views) {
    for (const d of v.info.dimensions) {
      const key = d.key ?? '';
      const values = union.get(key) ?? new Set<string>();
      for (const value of d.value ?? []) values.add(value);
      union.set(key, values);
    }
  }
  return [...union.keys()].sort().map((key) => ({ key, value: [...union.get(key)!].sort() }));
}

/**
 * Service Bots (DESIGN.md §4). Reads need `view` in the bot's pools, actions `admin`; listings
 * show only bots in pools the caller may view. Here: GetBot, ListBots, CountBots and
 * GetBotDimensions; history, admin actions and TerminateBot live beside this file.
 */
export type { BotsDeps };

export function botsHandlers(deps: BotsDeps): grpc.UntypedServiceImplementation {
  const { store, tokens, log, clock } = deps;
  const viewDeps: BotViewDeps = deps;

  /** Every stored bot the caller may view (ordered by id) matching the dimension filter. */
  async function visible(p: Principal, filter: readonly KeyValue[]): Promise<BotView[]> {
    const now = clock();
    const bots = (await store.listBots()).filter((b) =>
      matchesDimensions(filter, toDimensionMap(b.dimensions)),
    );
    const views = await Promise.all(bots.map((b) => viewBot(viewDeps, b, now)));
    return views.filter((v) => can(p, 'view', v.pools));
  }

  return {
    GetBot: unary<{ bot_id: string }, BotInfoWire>(log, 'GetBot', async (req, call) => {
      const p = authenticate(tokens, call.metadata, 'client');
      const bot = await authorizedBot(store, p, req.bot_id, 'view');
      return (await viewBot(viewDeps, bot, clock())).info;
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
      const p = authenticate(tokens, call.metadata, 'client');
      const filter = toFilter(req.dimensions);
      const limit = toLimit(req.limit);
      const after = decodeCursor(req.cursor);
      const selected = (await visible(p, filter)).filter(
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
      const p = authenticate(tokens, call.metadata, 'client');
      return countBotViews(await visible(p, toFilter(req.dimensions)));
    }),

    GetBotDimensions: unary<{ pool: string }, { bots_dimensions: StringListPair[] }>(
      log,
      'GetBotDimensions',
      async (req, call) => {
        const p = authenticate(tokens, call.metadata, 'client');
        if (req.pool !== '' && !can(p, 'view', [req.pool])) {
          throw new PermissionDeniedError(`pool ${req.pool}: the view role is needed`);
        }
        const filter = req.pool === '' ? [] : [{ key: 'pool', value: req.pool }];
        return { bots_dimensions: dimensionUnion(await visible(p, filter)) };
      },
    ),

    ...botsHistoryHandlers(deps),
    ...botsAdminHandlers(deps),
    ...botsTerminateHandlers(deps),
  };
}
