import type * as grpc from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  stateQueryFilter,
  taskToResult,
  timestampToMs,
  type StateQueryWire,
  type TaskResult,
  type TimestampOut,
} from '@drover/protocol';
import { InvalidCursorError, type Store, type TaskQuery, type TaskSort } from '@drover/state';
import type { Logger } from 'pino';
import { audited, grpcPeer, type AuditLog } from '../audit/audit-log';
import type { Principal } from '../auth/principal';
import type { TokenAuthority } from '../auth/tokens';
import type { TaskEngine } from '../engine/task-engine';
import { parentTag } from '../children/child-canceller';
import { authenticate, unary } from './grpc-edge';
import { poolFilter } from './task-access';

/** Paging of DESIGN.md §4: default 100, at most 1000, opaque cursor. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

interface QueryRequest {
  state: StateQueryWire;
  tags: string[];
  start: TimestampOut | null;
  end: TimestampOut | null;
  /** ListTasks and CountTasks: only the children of this task ('' = any task). */
  parent_task_id?: string;
  /** ListTasks and CountTasks (issue 21): '' = any. */
  name?: string;
  user?: string;
  pool?: string;
  bot_id?: string;
  sort?: string | number;
}

/** TaskSort of tasks.proto (proto-loader gives enum names; an unknown number stays a number). */
const SORTS: Record<string, TaskSort> = {
  SORT_CREATED: 'created',
  SORT_STARTED: 'started',
  SORT_COMPLETED: 'completed',
};

function toSort(sort: string | number | undefined): TaskSort {
  const known = SORTS[String(sort ?? 'SORT_CREATED')];
  if (known === undefined) {
    throw new InvalidArgumentError('sort', `not a TaskSort: ${JSON.stringify(sort)}`);
  }
  return known;
}

/**
 * The pools a caller lists: the one asked for, among those it may view. Absent `viewable` = every
 * pool; an empty list matches nothing.
 */
function withPool(
  viewable: Pick<TaskQuery, 'pools'>,
  pool: string | undefined,
): Pick<TaskQuery, 'pools'> {
  if (pool === undefined || pool === '') return viewable;
  if (viewable.pools === undefined) return { pools: [pool] };
  return { pools: viewable.pools.includes(pool) ? [pool] : [] };
}

function toQuery(req: QueryRequest): TaskQuery {
  req.tags.forEach((tag, i) => {
    if (tag.indexOf(':') <= 0) {
      throw new InvalidArgumentError(`tags[${i}]`, `must be key:value, got ${JSON.stringify(tag)}`);
    }
  });
  const startMs = timestampToMs(req.start);
  const endMs = timestampToMs(req.end);
  if (startMs !== null && endMs !== null && endMs < startMs) {
    throw new InvalidArgumentError('end', 'must not be before start');
  }
  const parent = req.parent_task_id ?? '';
  const user = req.user ?? '';
  const name = req.name ?? '';
  const botId = req.bot_id ?? '';
  // Children carry their parent's tag and every task its user's (set by the coordinator only).
  const tags = [...req.tags];
  if (parent !== '') tags.push(parentTag(parent));
  if (user !== '') tags.push(`user:${user}`);
  return {
    ...stateQueryFilter(req.state),
    tags,
    ...(name === '' ? {} : { nameGlob: name }),
    ...(botId === '' ? {} : { botId }),
    sort: toSort(req.sort),
    ...(startMs === null ? {} : { startMs }),
    ...(endMs === null ? {} : { endMs }),
  };
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

async function page<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidCursorError)
      throw new InvalidArgumentError('cursor', 'not a cursor returned by this server');
    throw err;
  }
}

/** ListTasks, CountTasks and CancelTasks. */
export function taskQueryHandlers(deps: {
  engine: TaskEngine;
  store: Pick<Store, 'listTasks' | 'countTasks'>;
  tokens: TokenAuthority;
  log: Logger;
  /** Records CancelTasks calls (audit/). */
  audit: AuditLog;
}): grpc.UntypedServiceImplementation {
  const { engine, store, tokens, log } = deps;
  return {
    ListTasks: unary<
      QueryRequest & { limit: number; cursor: string },
      { items: TaskResult[]; cursor: string }
    >(log, 'ListTasks', async (req, call) => {
      const principal = authenticate(tokens, call.metadata, 'client');
      // Only the pools the caller may view: other pools' tasks are not even counted.
      const query = { ...toQuery(req), ...withPool(poolFilter(principal, 'view'), req.pool) };
      const limit = toLimit(req.limit);
      const result = await page(() => store.listTasks(query, { limit, cursor: req.cursor }));
      return { items: result.tasks.map(taskToResult), cursor: result.cursor };
    }),

    CountTasks: unary<QueryRequest, { count: number }>(log, 'CountTasks', async (req, call) => {
      const principal = authenticate(tokens, call.metadata, 'client');
      return {
        count: await store.countTasks({
          ...toQuery(req),
          ...withPool(poolFilter(principal, 'view'), req.pool),
        }),
      };
    }),

    CancelTasks: unary<
      { tags: string[]; kill_running: boolean; limit: number; cursor: string },
      { matched: number; cursor: string }
    >(log, 'CancelTasks', async (req, call) => {
      const principal = authenticate(tokens, call.metadata, 'client');
      // One audit entry per call: the filter and how many tasks it cancelled.
      return audited(
        deps.audit,
        {
          principal,
          peer: grpcPeer(call),
          action: 'tasks.cancel_many',
          target: '',
          details: { tags: req.tags, kill_running: req.kill_running, limit: req.limit },
        },
        () => cancelMatching(principal, req),
        (out) => ({ details: { matched: out.matched, more: out.cursor !== '' } }),
      );
    }),
  };

  async function cancelMatching(
    principal: Principal,
    req: { tags: string[]; kill_running: boolean; limit: number; cursor: string },
  ): Promise<{ matched: number; cursor: string }> {
    if (req.tags.length === 0) {
      throw new InvalidArgumentError(
        'tags',
        'at least one tag is required (cancelling everything is not offered)',
      );
    }
    // Only tasks in pools where the caller may cancel; the others are untouched, not counted.
    const query = {
      ...toQuery({
        state: req.kill_running ? 'QUERY_PENDING_RUNNING' : 'QUERY_PENDING',
        tags: req.tags,
        start: null,
        end: null,
      }),
      ...poolFilter(principal, 'cancel'),
    };
    const limit = toLimit(req.limit);
    const found = await page(() => store.listTasks(query, { limit, cursor: req.cursor }));
    let matched = 0;
    for (const task of found.tasks) {
      const outcome = await engine.apply(task.id, {
        type: 'cancel',
        killRunning: req.kill_running,
        by: principal.name,
      });
      if (!('refused' in outcome)) matched++;
    }
    return { matched, cursor: found.cursor };
  }
}
