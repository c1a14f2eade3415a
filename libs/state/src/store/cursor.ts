// Page cursors of ListTasks and ListBotEvents, shared by every Store adapter: opaque to callers,
// base64url JSON of the last row's sort key.
import type { TaskPage } from './store';
import type { TaskSort } from './task-order';
import type { Task } from '../task/types';

/** A cursor this store did not produce. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor: not a cursor returned by this server');
  }
}

/**
 * [ms, id] for the created sort (as cursors were before sorts), [sort, ms, id] for the others, so
 * a cursor of one sort is refused by another rather than read as a different time.
 */
export function encodeTaskCursor(sortMs: number, id: string, sort: TaskSort = 'created'): string {
  const key = sort === 'created' ? [sortMs, id] : [sort, sortMs, id];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** undefined for no cursor (the first page); throws InvalidCursorError on a foreign one. */
export function decodeTaskCursor(
  cursor: string | undefined,
  sort: TaskSort = 'created',
): { sortMs: number; id: string } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const key = sort === 'created' ? v : Array.isArray(v) && v[0] === sort ? v.slice(1) : null;
    if (
      Array.isArray(key) &&
      key.length === 2 &&
      typeof key[0] === 'number' &&
      typeof key[1] === 'string'
    ) {
      return { sortMs: key[0], id: key[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

export function encodeEventCursor(tsMs: number, seq: number): string {
  return Buffer.from(JSON.stringify(['e', tsMs, seq])).toString('base64url');
}

/** undefined for no cursor (the first page); throws InvalidCursorError on a foreign one. */
export function decodeEventCursor(
  cursor: string | undefined,
): { tsMs: number; seq: number } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v[0] === 'e' && typeof v[1] === 'number' && typeof v[2] === 'number') {
      return { tsMs: v[1], seq: v[2] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

/** The rows a page holds: the caller's limit as a whole number, at least 1. */
export function pageLimit(limit: number): number {
  return Math.max(1, Math.floor(limit));
}

/**
 * A page of tasks from up to `limit + 1` of them, newest first: the extra one only tells that
 * more follow, and the cursor points after the last task kept.
 */
export function taskPage(tasks: Task[], limit: number, sort: TaskSort = 'created'): TaskPage {
  const kept = tasks.slice(0, limit);
  const last = kept.at(-1);
  return {
    tasks: kept,
    cursor:
      tasks.length > limit && last !== undefined
        ? encodeTaskCursor(sortTimeMs(last, sort), last.id, sort)
        : '',
  };
}

function sortTimeMs(task: Task, sort: TaskSort): number {
  switch (sort) {
    case 'created':
      return task.createdAtMs;
    case 'started':
      return task.startedAtMs ?? 0;
    case 'completed':
      return task.completedAtMs ?? 0;
  }
}
