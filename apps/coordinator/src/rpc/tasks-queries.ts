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
import { InvalidCursorError, type TaskQuery } from '@drover/state';
import type { Logger } from 'pino';
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
  return {
    ...stateQueryFilter(req.state),
    // Children carry their parent's tag (set by the coordinator only).
    tags: parent === '' ? req.tags : [...req.tags, parentTag(parent)],
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
  tokens: TokenAuthority;
  log: Logger;
}): grpc.UntypedServiceImplementation {
  const { engine, tokens, log } = deps;
  const store = engine.store;
  return {
    ListTasks: unary<
      QueryRequest & { limit: number; cursor: string },
      { items: TaskResult[]; cursor: string }
    >(log, 'ListTasks', async (req, call) => {
      const principal = authenticate(tokens, call.metadata, 'client');
      // Only the pools the caller may view: other pools' tasks are not even counted.
      const query = { ...toQuery(req), ...poolFilter(principal, 'view') };
      const limit = toLimit(req.limit);
      const result = await page(() => store.listTasks(query, { limit, cursor: req.cursor }));
      return { items: result.tasks.map(taskToResult), cursor: result.cursor };
    }),

    CountTasks: unary<QueryRequest, { count: number }>(log, 'CountTasks', async (req, call) => {
      const principal = authenticate(tokens, call.metadata, 'client');
      return {
        count: await store.countTasks({ ...toQuery(req), ...poolFilter(principal, 'view') }),
      };
    }),

    CancelTasks: unary<
      { tags: string[]; kill_running: boolean; limit: number; cursor: string },
      { matched: number; cursor: string }
    >(log, 'CancelTasks', async (req, call) => {
      const principal = authenticate(tokens, call.metadata, 'client');
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
        });
        if (!('refused' in outcome)) matched++;
      }
      return { matched, cursor: found.cursor };
    }),
  };
}
