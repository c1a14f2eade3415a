// request_uuid deduplication (DESIGN.md §2), decided once for both adapters: which task a
// request_uuid already names, from what the store found and what the same batch inserted.
import type { Task, TaskSpec } from '../task/types';
import { SEVEN_DAYS_MS, type InsertOutcome } from './store';

/** What the adapter looks up: the newest task of this caller and uuid created at or after sinceMs. */
export interface RequestUuidLookup {
  readonly authenticated: string;
  readonly requestUuid: string;
  readonly sinceMs: number;
}

/** The caller-scoped key of a request_uuid ('' for none); PostgreSQL also locks on it. */
export function requestUuidKey(spec: TaskSpec): string {
  return spec.requestUuid === '' ? '' : `${spec.authenticated}\n${spec.requestUuid}`;
}

/**
 * The decisions of one insertTask or insertTasks call, task by task in order: a uuid used earlier
 * in the same batch names the task it named there, without a lookup.
 */
export class RequestUuidBatch {
  /** Made at the first uuid: most inserts have none and are on the hot path. */
  #named: Map<string, Task> | undefined;

  /** What to look up before inserting `task`; undefined when nothing needs looking up. */
  lookup(task: Task): RequestUuidLookup | undefined {
    const key = requestUuidKey(task.spec);
    if (key === '' || this.#inBatch(key, task) !== undefined) return undefined;
    const { authenticated, requestUuid } = task.spec;
    return { authenticated, requestUuid, sinceMs: task.createdAtMs - SEVEN_DAYS_MS };
  }

  /**
   * The outcome for `task` given what the lookup found (undefined: nothing, or no lookup asked);
   * `{ inserted: true }` means the adapter must store it.
   */
  decide(task: Task, found: Task | undefined): InsertOutcome {
    const key = requestUuidKey(task.spec);
    if (key === '') return { inserted: true };
    const existing = this.#inBatch(key, task) ?? found;
    (this.#named ??= new Map()).set(key, existing ?? task);
    return existing === undefined ? { inserted: true } : { inserted: false, existing };
  }

  /** The task the batch already gave this key, if it is within the task's 7 days. */
  #inBatch(key: string, task: Task): Task | undefined {
    const named = this.#named?.get(key);
    return named !== undefined && named.createdAtMs >= task.createdAtMs - SEVEN_DAYS_MS
      ? named
      : undefined;
  }
}
