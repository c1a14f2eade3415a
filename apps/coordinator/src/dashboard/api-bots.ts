import { InvalidArgumentError } from '@drover/protocol';
import { matchesDimensions, toDimensionMap, type BotRecord, type KeyValue } from '@drover/state';
import { can, type Principal } from '../auth/principal';
import { countBotsByStatus } from '../metrics/bot-status';
import { quarantineBot, unquarantineBot } from '../rpc/bots-admin';
import { botTerminator } from '../rpc/bots-terminate';
import { authorizedBot, botPools, viewBot, type BotView, type BotsDeps } from '../rpc/bots-view';
import type { ApiRoute } from './api-route';
import { intParam, readJsonBody, sendJson, stringField } from './http-json';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** The statuses the bots page filters on. */
const STATUS_FILTERS = ['alive', 'dead', 'busy', 'idle', 'quarantined', 'maintenance'] as const;
type StatusFilter = (typeof STATUS_FILTERS)[number];

/** A bot as the dashboard shows it: BotInfo plus busy and its pools. */
export interface DashboardBot {
  readonly info: BotView['info'];
  readonly busy: boolean;
  readonly pools: readonly string[];
}

export function toDashboardBot(v: BotView): DashboardBot {
  return { info: v.info, busy: v.busy, pools: v.pools };
}

function dimensionFilter(query: URLSearchParams): KeyValue[] {
  return query
    .getAll('dim')
    .filter((d) => d !== '')
    .map((d, i) => {
      const at = d.indexOf(':');
      if (at <= 0 || at === d.length - 1) {
        throw new InvalidArgumentError(`dim[${i}]`, `must be key:value, got ${JSON.stringify(d)}`);
      }
      return { key: d.slice(0, at), value: d.slice(at + 1) };
    });
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
 * Bots: a page of the bots the caller may view (ordered by id, cursor = last id), counts per pool
 * and status, one bot, and the admin actions (the Bots service's own functions and rules).
 */
export function botsRoutes(deps: BotsDeps): ApiRoute[] {
  const { store, dispatcher, registry, clock } = deps;
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
        sendJson(res, 200, {
          items: views.map(toDashboardBot),
          cursor: more ? views[views.length - 1]!.info.bot_id : '',
          total: matching.length,
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/bots\/counts$/,
      async handle({ res, principal }) {
        const byPool = countBotsByStatus(
          await visibleRecords(principal, []),
          {
            isConnected: (id) => registry.isConnected(id),
            lastSeenOf: (id) => registry.lastSeenOf(id),
            quarantinedReasonOf: (id) => registry.quarantinedReasonOf(id),
            taskOf: (id) => dispatcher.taskOf(id),
          },
          clock(),
          deps.botDeathTimeoutMs,
        );
        const pools = [...byPool]
          .map(([pool, counts]) => ({ pool, ...counts }))
          .sort((a, b) => a.pool.localeCompare(b.pool));
        sendJson(res, 200, { pools });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/bots\/([^/]+)$/,
      async handle({ res, principal, params }) {
        const bot = await authorizedBot(store, principal, params[0]!, 'view');
        sendJson(res, 200, toDashboardBot(await viewBot(deps, bot, clock())));
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/bots\/([^/]+)\/(quarantine|unquarantine|terminate)$/,
      async handle({ req, res, principal, params }) {
        const botId = params[0]!;
        const body = await readJsonBody(req);
        const reason = stringField(body, 'reason');
        switch (params[1]) {
          case 'quarantine':
            await quarantineBot(deps, principal, botId, reason);
            break;
          case 'unquarantine':
            await unquarantineBot(deps, principal, botId);
            break;
          default: {
            const taskId = await terminate(principal, botId, reason);
            sendJson(res, 200, { taskId });
            return;
          }
        }
        const bot = await authorizedBot(store, principal, botId, 'view');
        sendJson(res, 200, toDashboardBot(await viewBot(deps, bot, clock())));
      },
    },
  ];
}
