import { canonicalJson, InvalidArgumentError, NotFoundError } from '@drover/protocol';
import { matchesDimensions, toDimensionMap, type BotRecord, type KeyValue } from '@drover/state';
import { can, type Principal } from '../auth/principal';
import { poolLabel, poolOfBotDimensions } from '../metrics/pool-label';
import { httpPeer } from '../audit/audit-log';
import { deleteBot, quarantineBot, setBotMaintenance, unquarantineBot } from '../rpc/bots-admin';
import { listBotEvents, listBotTasks } from '../rpc/bots-history';
import { botTerminator } from '../rpc/bots-terminate';
import {
  authorizedBot,
  botPools,
  countBotViews,
  viewBot,
  type BotView,
  type BotsDeps,
} from '../rpc/bots-view';
import type { ApiRoute } from './api-route';
import { requireVisibleBot } from './bot-visibility';
import { intParam, readJsonBody, sendJson, sendMessage, stringField } from './http-json';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** The statuses the bots page filters on. */
const STATUS_FILTERS = ['alive', 'dead', 'busy', 'idle', 'quarantined', 'maintenance'] as const;
type StatusFilter = (typeof STATUS_FILTERS)[number];

function dimensionFilter(query: URLSearchParams): KeyValue[] {
  return query
    .getAll('dim')
    .filter((d) => d !== '')
    .map((d, i) => {
      // The CLI's key=value, or key:value.
      const at = d.includes('=') ? d.indexOf('=') : d.indexOf(':');
      if (at <= 0 || at === d.length - 1) {
        throw new InvalidArgumentError(`dim[${i}]`, `must be key=value, got ${JSON.stringify(d)}`);
      }
      return { key: d.slice(0, at), value: d.slice(at + 1) };
    });
}

function boolField(body: Record<string, unknown>, field: string): boolean {
  const v = body[field];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(field, 'must be true or false');
  return v;
}

/** A history page's query: `limit` and `cursor` of ListBotEvents/ListBotTasks. */
function historyQuery(botId: string, query: URLSearchParams) {
  return {
    bot_id: botId,
    start: null,
    end: null,
    limit: intParam(query, 'limit', DEFAULT_LIMIT, MAX_LIMIT),
    cursor: query.get('cursor') ?? '',
  };
}

function statusFilter(query: URLSearchParams): StatusFilter | undefined {
  const s = query.get('status') ?? '';
  if (s === '') return undefined;
  if (!(STATUS_FILTERS as readonly string[]).includes(s)) {
    throw new InvalidArgumentError('status', `one of ${STATUS_FILTERS.join(', ')}`);
  }
  return s as StatusFilter;
}

function hasStatus(v: BotView, s: StatusFilter): boolean {
  switch (s) {
    case 'alive':
      return !v.info.is_dead;
    case 'dead':
      return v.info.is_dead;
    case 'busy':
      return v.busy;
    case 'idle':
      return !v.info.is_dead && !v.busy;
    case 'quarantined':
      return v.info.quarantined;
    case 'maintenance':
      return v.info.in_maintenance;
  }
}

/**
 * Bots: a page of the bots the caller may view (ordered by id, cursor = last id), counts per
 * pool, one bot, and the admin actions (the Bots service's own functions and rules). Answers are
 * the Bots service's messages in canonical JSON (docs/json.md): ListBotsResponse, BotInfo,
 * CountBotsResponse, TerminateBotResponse, ListBotEventsResponse, ListTasksResponse (ListBotTasks),
 * DeleteBotResponse.
 */
export function botsRoutes(deps: BotsDeps): ApiRoute[] {
  const { store, clock } = deps;
  const terminate = botTerminator(deps);

  async function visibleRecords(p: Principal, filter: readonly KeyValue[]): Promise<BotRecord[]> {
    return (await store.listBots()).filter(
      (b) =>
        can(p, 'view', botPools(b.dimensions)) &&
        matchesDimensions(filter, toDimensionMap(b.dimensions)),
    );
  }

  return [
    {
      method: 'GET',
      pattern: /^\/api\/bots$/,
      async handle({ res, principal, query }) {
        const limit = intParam(query, 'limit', DEFAULT_LIMIT, MAX_LIMIT) || DEFAULT_LIMIT;
        const after = query.get('cursor') ?? '';
        const status = statusFilter(query);
        const nowMs = clock();
        const records = (await visibleRecords(principal, dimensionFilter(query))).sort((a, b) =>
          a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
        );
        let matching: Array<BotRecord | BotView> = records;
        if (status !== undefined) {
          // Status needs the live view of every candidate; without one, only the page's bots.
          const views = await Promise.all(records.map((b) => viewBot(deps, b, nowMs)));
          matching = views.filter((v) => hasStatus(v, status));
        }
        const idOf = (x: BotRecord | BotView) => ('info' in x ? x.info.bot_id : x.id);
        const start = after === '' ? 0 : matching.findIndex((x) => idOf(x) > after);
        const slice = start === -1 ? [] : matching.slice(start, start + limit);
        const views = await Promise.all(
          slice.map((x) => ('info' in x ? x : viewBot(deps, x, nowMs))),
        );
        const more = start !== -1 && start + limit < matching.length;
        // ListBotsResponse, and `total` (an int64 count, so a string): how many bots match the
        // filters on every page, for the page's "1–100 of N"; ListBots has no such field.
        sendJson(res, 200, {
          ...canonicalJson('ListBotsResponse', {
            items: views.map((v) => v.info),
            cursor: more ? views[views.length - 1]!.info.bot_id : '',
          }),
          total: String(matching.length),
        });
      },
    },
    {
      // Per pool (the bots' `pool` values joined with `|`, `(none)` for none): the pool's name
      // and its CountBotsResponse, counted as CountBots counts (no message has counts per pool).
      method: 'GET',
      pattern: /^\/api\/bots\/counts$/,
      async handle({ res, principal }) {
        const nowMs = clock();
        const records = await visibleRecords(principal, []);
        const views = await Promise.all(records.map((b) => viewBot(deps, b, nowMs)));
        const byPool = new Map<string, BotView[]>();
        records.forEach((b, i) => {
          const pool = poolLabel(poolOfBotDimensions(b.dimensions));
          let list = byPool.get(pool);
          if (list === undefined) byPool.set(pool, (list = []));
          list.push(views[i]!);
        });
        const pools = [...byPool]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([pool, views]) => ({
            pool,
            ...canonicalJson('CountBotsResponse', countBotViews(views)),
          }));
        sendJson(res, 200, { pools });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/bots\/([^/]+)$/,
      async handle({ res, principal, params }) {
        const bot = await requireVisibleBot(store, principal, params[0]!);
        if (bot === undefined) throw new NotFoundError(`bot ${params[0]!} (deleted)`);
        sendMessage(res, 'BotInfo', (await viewBot(deps, bot, clock())).info);
      },
    },
    {
      // ListBotEvents and ListBotTasks (the Bots service's functions): newest first, paged; 404
      // for a bot the caller cannot see (requireVisibleBot).
      method: 'GET',
      pattern: /^\/api\/bots\/([^/]+)\/(events|tasks)$/,
      async handle({ res, principal, params, query }) {
        await requireVisibleBot(store, principal, params[0]!);
        const q = historyQuery(params[0]!, query);
        if (params[1] === 'events') {
          sendMessage(res, 'ListBotEventsResponse', await listBotEvents(deps, principal, q));
        } else {
          const page = await listBotTasks(deps, principal, { ...q, state: 'QUERY_ALL' });
          sendMessage(res, 'ListTasksResponse', page);
        }
      },
    },
    {
      // SetMaintenance (body: `enabled`, `message`) answers the BotInfo after the change,
      // DeleteBot (body: `force`) a DeleteBotResponse.
      method: 'POST',
      pattern: /^\/api\/bots\/([^/]+)\/(maintenance|delete)$/,
      async handle({ req, res, principal, params }) {
        const botId = params[0]!;
        const body = await readJsonBody(req);
        const actor = { principal, peer: httpPeer(req) };
        if (params[1] === 'delete') {
          const out = await deleteBot(deps, actor, botId, boolField(body, 'force'));
          sendMessage(res, 'DeleteBotResponse', out);
          return;
        }
        const enabled = boolField(body, 'enabled');
        const info = await setBotMaintenance(
          deps,
          actor,
          botId,
          enabled,
          stringField(body, 'message'),
        );
        sendMessage(res, 'BotInfo', info);
      },
    },
    {
      // QuarantineBot and UnquarantineBot answer the BotInfo after the change, TerminateBot a
      // TerminateBotResponse; the body is the request's `reason` (the id is in the path).
      method: 'POST',
      pattern: /^\/api\/bots\/([^/]+)\/(quarantine|unquarantine|terminate)$/,
      async handle({ req, res, principal, params }) {
        const botId = params[0]!;
        const body = await readJsonBody(req);
        const actor = { principal, peer: httpPeer(req) };
        const reason = stringField(body, 'reason');
        switch (params[1]) {
          case 'quarantine':
            await quarantineBot(deps, actor, botId, reason);
            break;
          case 'unquarantine':
            await unquarantineBot(deps, actor, botId);
            break;
          default: {
            const taskId = await terminate(actor, botId, reason);
            sendMessage(res, 'TerminateBotResponse', { task_id: taskId });
            return;
          }
        }
        const bot = await authorizedBot(store, principal, botId, 'view');
        sendMessage(res, 'BotInfo', (await viewBot(deps, bot, clock())).info);
      },
    },
  ];
}
