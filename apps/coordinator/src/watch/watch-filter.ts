import { InvalidArgumentError, type WatchTasksRequestOut } from '@drover/protocol';
import { TASK_STATE_VALUES, type StoredTaskState, type Task } from '@drover/state';

/** What a WatchTasks stream wants to hear about. */
export interface WatchFilter {
  /** Every one must be on the task (AND); empty = any task. */
  readonly tags: readonly string[];
  /** The state after the change must be one of these; empty = any. */
  readonly states: ReadonlySet<StoredTaskState>;
}

/** Checks a WatchTasks request; INVALID_ARGUMENT names the field at fault. */
export function toWatchFilter(req: Pick<WatchTasksRequestOut, 'tags' | 'states'>): WatchFilter {
  req.tags.forEach((tag, i) => {
    if (tag.indexOf(':') <= 0) {
      throw new InvalidArgumentError(`tags[${i}]`, `must be key:value, got ${JSON.stringify(tag)}`);
    }
  });
  const states = new Set<StoredTaskState>();
  req.states.forEach((state, i) => {
    if (
      typeof state !== 'string' ||
      state === 'INVALID' ||
      !Object.hasOwn(TASK_STATE_VALUES, state)
    )
      throw new InvalidArgumentError(`states[${i}]`, `not a task state: ${String(state)}`);
    states.add(state as StoredTaskState);
  });
  return { tags: [...req.tags], states };
}

/** Whether a task, as it is after a change, passes the filter. Pure. */
export function matchesWatch(filter: WatchFilter, task: Task): boolean {
  if (filter.states.size > 0 && !filter.states.has(task.state)) return false;
  return filter.tags.every((tag) => task.spec.tags.includes(tag));
}
