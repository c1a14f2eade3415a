import {
  canonicalJson,
  InvalidArgumentError,
  stateQueryFilter,
  taskToRequest,
  taskToResult,
} from '@drover/protocol';
import {
  InvalidCursorError,
  TASK_STATE_VALUES,
  type Store,
  type StoredTaskState,
  type TaskQuery,
} from '@drover/state';
import { poolsWith } from '../auth/principal';
import type { TaskEngine } from '../engine/task-engine';
import type { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { httpPeer, type AuditLog } from '../audit/audit-log';
import { cancelTask } from '../rpc/tasks-cancel-task';
import { loadTaskAs, poolFilter } from '../rpc/task-access';
import type { ApiRoute } from './api-route';
import { intParam, readJsonBody, sendJson, sendMessage } from './http-json';
import { outputOwner, timestampJson } from './task-json';

/** Paging of DESIGN.md §4: default 100, at most 1000. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Largest slice of output one request returns. */
export const MAX_OUTPUT_READ = 1024 * 1024;

const STORED_STATES = new Set(Object.keys(TASK_STATE_VALUES).filter((s) => s !== 'INVALID'));

export interface TasksApiDeps {
  readonly engine: TaskEngine;
  readonly store: Store;
  readonly metrics: Pick<CoordinatorMetrics, 'pendingByPool'>;
  /** Records cancels and kills (audit/). */
  readonly audit: AuditLog;
}

/** The StateQuery values of common.proto a listing accepts as `state` (besides stored states). */
const STATE_QUERIES = new Set([
  'QUERY_PENDING',
  'QUERY_RUNNING',
  'QUERY_PENDING_RUNNING',
  'QUERY_COMPLETED',
  'QUERY_COMPLETED_SUCCESS',
  'QUERY_COMPLETED_FAILURE',
  'QUERY_EXPIRED',
  'QUERY_TIMED_OUT',
  'QUERY_BOT_DIED',
  'QUERY_CANCELED',
  'QUERY_ALL',
  'QUERY_DEDUPED',
  'QUERY_KILLED',
  'QUERY_NO_RESOURCE',
  'QUERY_CLIENT_ERROR',
]);

/** A time bound: RFC 3339 or ms since the epoch; absent or '' = none. */
function timeParam(query: URLSearchParams, name: string): number | undefined {
  const raw = (query.get(name) ?? '').trim();
  if (raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(name, `not a time (RFC 3339 or ms): ${JSON.stringify(raw)}`);
  }
  return ms;
}

/** A text filter of at most 1024 characters (as ListTasksRequest's); '' = none. */
function textParam(query: URLSearchParams, name: string): string {
  const value = (query.get(name) ?? '').trim();
  if (value.length > 1024) throw new InvalidArgumentError(name, 'at most 1024 characters');
  return value;
}

/**
 * The listing's filters, as ListTasksRequest's: `state` (a stored state, several allowed, or one
 * StateQuery such as QUERY_COMPLETED_FAILURE), `tag` (several, ANDed), `name` (glob), `user`,
 * `pool`, `bot`, `since`/`until` (creation time).
 */
function toQuery(query: URLSearchParams): TaskQuery & { pool?: string } {
  const states = query.getAll('state').filter((s) => s !== '' && s !== 'ALL');
  const queries = states.filter((s) => STATE_QUERIES.has(s));
  if (queries.length > 1 || (queries.length === 1 && states.length > 1)) {
    throw new InvalidArgumentError('state', 'one StateQuery, or stored states');
  }
  for (const s of states) {
    if (!STORED_STATES.has(s) && !STATE_QUERIES.has(s)) {
      throw new InvalidArgumentError('state', `unknown state ${s}`);
    }
  }
  const stateFilter =
    queries.length === 1
      ? stateQueryFilter(queries[0] as Parameters<typeof stateQueryFilter>[0])
      : { states: states as StoredTaskState[] };
  const tags = query.getAll('tag').filter((t) => t !== '');
  tags.forEach((tag, i) => {
    if (tag.indexOf(':') <= 0) {
      throw new InvalidArgumentError(`tag[${i}]`, `must be key:value, got ${JSON.stringify(tag)}`);
    }
  });
  const user = textParam(query, 'user');
  if (user !== '') tags.push(`user:${user}`);
  const name = textParam(query, 'name');
  const botId = textParam(query, 'bot');
  const pool = textParam(query, 'pool');
  const startMs = timeParam(query, 'since');
  const endMs = timeParam(query, 'until');
  if (startMs !== undefined && endMs !== undefined && endMs < startMs) {
    throw new InvalidArgumentError('until', 'must not be before since');
  }
  return {
    ...stateFilter,
    tags,
    ...(name === '' ? {} : { nameGlob: name }),
    ...(botId === '' ? {} : { botId }),
    ...(pool === '' ? {} : { pool }),
    ...(startMs === undefined ? {} : { startMs }),
    ...(endMs === undefined ? {} : { endMs }),
  };
}

/** The pools listed: the one asked for among those the caller may view (absent = every pool). */
function withPool(
  viewable: Pick<TaskQuery, 'pools'>,
  pool: string | undefined,
): Pick<TaskQuery, 'pools'> {
  if (pool === undefined) return viewable;
  if (viewable.pools === undefined) return { pools: [pool] };
  return { pools: viewable.pools.includes(pool) ? [pool] : [] };
}

/**
 * Tasks: recent tasks (server-side paging with the store's cursors), pending counts per pool,
 * one task's result and request, its output by ranges, cancel/kill. The access rules are the
 * Tasks service's (task-access.ts): listings show only the pools the caller may view. Answers are
 * the Tasks service's messages in canonical JSON (docs/json.md): ListTasksResponse, TaskResult,
 * TaskRequest, TaskOutput, CancelTaskResponse.
 */
export function tasksRoutes(deps: TasksApiDeps): ApiRoute[] {
  const { store, metrics } = deps;
  return [
    {
      method: 'GET',
      pattern: /^\/api\/tasks$/,
      async handle({ res, principal, query }) {
        const { pool, ...filters } = toQuery(query);
        const q = { ...filters, ...withPool(poolFilter(principal, 'view'), pool) };
        const limit = intParam(query, 'limit', DEFAULT_LIMIT, MAX_LIMIT) || DEFAULT_LIMIT;
        const cursor = query.get('cursor') ?? '';
        let page;
        try {
          page = await store.listTasks(q, { limit, ...(cursor === '' ? {} : { cursor }) });
        } catch (err) {
          if (err instanceof InvalidCursorError) {
            throw new InvalidArgumentError('cursor', 'not a cursor returned by this server');
          }
          throw err;
        }
        sendMessage(res, 'ListTasksResponse', {
          items: page.tasks.map(taskToResult),
          cursor: page.cursor,
        });
      },
    },
    {
      // Per pool: CountTasksResponse (PENDING tasks) with the pool's name and, while one waits,
      // the creation time of the oldest (`oldest_created_ts`, a Timestamp): no message carries
      // counts per pool, and the page shows how long the oldest has waited.
      method: 'GET',
      pattern: /^\/api\/tasks\/pending$/,
      async handle({ res, principal }) {
        const viewable = poolsWith(principal, 'view');
        const pools = metrics
          .pendingByPool()
          .filter((p) => viewable === 'all' || viewable.includes(p.pool))
          .sort((a, b) => a.pool.localeCompare(b.pool))
          .map((p) => ({
            pool: p.pool,
            ...canonicalJson('CountTasksResponse', { count: p.count }),
            ...(p.oldestCreatedAtMs === undefined
              ? {}
              : { oldest_created_ts: timestampJson(p.oldestCreatedAtMs) }),
          }));
        sendJson(res, 200, { pools });
      },
    },
    {
      // GetResult.
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)$/,
      async handle({ res, principal, params }) {
        sendMessage(
          res,
          'TaskResult',
          taskToResult(await loadTaskAs(store, principal, 'view', params[0]!)),
        );
      },
    },
    {
      // GetRequest.
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)\/request$/,
      async handle({ res, principal, params }) {
        sendMessage(
          res,
          'TaskRequest',
          taskToRequest(await loadTaskAs(store, principal, 'view', params[0]!)),
        );
      },
    },
    {
      // GetStdout: a TaskOutput of at most 1 MiB from `offset` (`length` 0 or absent: 1 MiB).
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)\/output$/,
      async handle({ res, principal, params, query }) {
        const task = await loadTaskAs(store, principal, 'view', params[0]!);
        const offset = intParam(query, 'offset', 0, Number.MAX_SAFE_INTEGER);
        const length =
          intParam(query, 'length', MAX_OUTPUT_READ, MAX_OUTPUT_READ) || MAX_OUTPUT_READ;
        const output = await store.readOutput(outputOwner(task), offset, length);
        sendMessage(res, 'TaskOutput', {
          offset,
          output,
          state: task.state,
          size: task.outputSize,
        });
      },
    },
    {
      // CancelTask: the body is CancelTaskRequest's `kill_running` (the id is in the path).
      method: 'POST',
      pattern: /^\/api\/tasks\/([^/]+)\/cancel$/,
      async handle({ req, res, principal, params }) {
        const body = await readJsonBody(req);
        const kill = body['kill_running'];
        if (kill !== undefined && typeof kill !== 'boolean') {
          throw new InvalidArgumentError('kill_running', 'must be true or false');
        }
        const actor = { principal, peer: httpPeer(req) };
        const out = await cancelTask(deps, actor, params[0]!, kill === true);
        sendMessage(res, 'CancelTaskResponse', out);
      },
    },
  ];
}
