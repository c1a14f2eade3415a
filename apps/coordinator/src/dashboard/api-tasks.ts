import { InvalidArgumentError, taskToRequest, taskToResult } from '@drover/protocol';
import {
  InvalidCursorError,
  TASK_STATE_VALUES,
  taskPoolsOf,
  type Store,
  type StoredTaskState,
  type TaskQuery,
} from '@drover/state';
import { can, poolsWith } from '../auth/principal';
import type { TaskEngine } from '../engine/task-engine';
import type { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { loadTaskAs, poolFilter } from '../rpc/task-access';
import type { ApiRoute } from './api-route';
import { intParam, readJsonBody, sendJson } from './http-json';
import { outputOwner, summarizeTask } from './task-summary';

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
  readonly clock: () => number;
}

function toQuery(query: URLSearchParams): TaskQuery {
  const states = query.getAll('state').filter((s) => s !== '' && s !== 'ALL');
  for (const s of states) {
    if (!STORED_STATES.has(s)) throw new InvalidArgumentError('state', `unknown state ${s}`);
  }
  const tags = query.getAll('tag').filter((t) => t !== '');
  tags.forEach((tag, i) => {
    if (tag.indexOf(':') <= 0) {
      throw new InvalidArgumentError(`tag[${i}]`, `must be key:value, got ${JSON.stringify(tag)}`);
    }
  });
  return { states: states as StoredTaskState[], tags };
}

/**
 * Tasks: recent tasks (server-side paging with the store's cursors), pending counts per pool,
 * one task with its request and result, its output by ranges, cancel/kill. The access rules are
 * the Tasks service's (task-access.ts): listings show only the pools the caller may view.
 */
export function tasksRoutes(deps: TasksApiDeps): ApiRoute[] {
  const { engine, store, metrics, clock } = deps;
  return [
    {
      method: 'GET',
      pattern: /^\/api\/tasks$/,
      async handle({ res, principal, query }) {
        const q = { ...toQuery(query), ...poolFilter(principal, 'view') };
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
        sendJson(res, 200, { items: page.tasks.map(summarizeTask), cursor: page.cursor });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/tasks\/pending$/,
      async handle({ res, principal }) {
        const viewable = poolsWith(principal, 'view');
        const nowMs = clock();
        const pools = metrics
          .pendingByPool()
          .filter((p) => viewable === 'all' || viewable.includes(p.pool))
          .map((p) => ({
            pool: p.pool,
            count: p.count,
            oldestAgeMs:
              p.oldestCreatedAtMs === undefined ? 0 : Math.max(0, nowMs - p.oldestCreatedAtMs),
          }))
          .sort((a, b) => a.pool.localeCompare(b.pool));
        sendJson(res, 200, { pools });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)$/,
      async handle({ res, principal, params }) {
        const task = await loadTaskAs(store, principal, 'view', params[0]!);
        const pools = taskPoolsOf(task.spec);
        sendJson(res, 200, {
          task: summarizeTask(task),
          request: taskToRequest(task),
          result: taskToResult(task),
          may: { cancel: can(principal, 'cancel', pools) },
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/tasks\/([^/]+)\/output$/,
      async handle({ res, principal, params, query }) {
        const task = await loadTaskAs(store, principal, 'view', params[0]!);
        const offset = intParam(query, 'offset', 0, Number.MAX_SAFE_INTEGER);
        const length =
          intParam(query, 'length', MAX_OUTPUT_READ, MAX_OUTPUT_READ) || MAX_OUTPUT_READ;
        const output = await store.readOutput(outputOwner(task), offset, length);
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'cache-control': 'no-store',
          'x-output-size': String(task.outputSize),
          'x-task-state': task.state,
        });
        res.end(output);
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/tasks\/([^/]+)\/cancel$/,
      async handle({ req, res, principal, params }) {
        const body = await readJsonBody(req);
        const kill = body['kill'] === true;
        const before = await loadTaskAs(store, principal, 'cancel', params[0]!);
        const outcome = await engine.apply(before.id, { type: 'cancel', killRunning: kill });
        if ('refused' in outcome) {
          const now = (await store.getTask(before.id)) ?? before;
          sendJson(res, 200, { canceled: false, state: now.state });
          return;
        }
        sendJson(res, 200, { canceled: true, state: outcome.task.state });
      },
    },
  ];
}
