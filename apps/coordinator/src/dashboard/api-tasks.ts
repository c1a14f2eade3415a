import { canonicalJson, InvalidArgumentError, taskToRequest, taskToResult } from '@drover/protocol';
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
 * one task's result and request, its output by ranges, cancel/kill. The access rules are the
 * Tasks service's (task-access.ts): listings show only the pools the caller may view. Answers are
 * the Tasks service's messages in canonical JSON (docs/json.md): ListTasksResponse, TaskResult,
 * TaskRequest, TaskOutput, CancelTaskResponse.
 */
export function tasksRoutes(deps: TasksApiDeps): ApiRoute[] {
  const { engine, store, metrics } = deps;
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
        const before = await loadTaskAs(store, principal, 'cancel', params[0]!);
        const outcome = await engine.apply(before.id, {
          type: 'cancel',
          killRunning: kill === true,
        });
        if ('refused' in outcome) {
          const now = (await store.getTask(before.id)) ?? before;
          sendMessage(res, 'CancelTaskResponse', {
            canceled: false,
            was_running: now.state === 'RUNNING',
            state: now.state,
          });
          return;
        }
        sendMessage(res, 'CancelTaskResponse', {
          canceled: true,
          was_running: before.state === 'RUNNING',
          state: outcome.task.state,
        });
      },
    },
  ];
}
