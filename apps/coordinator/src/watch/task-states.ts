import { isFinalState, type Task } from '@drover/state';
import type { Watchers } from '../engine/watchers';

/** Where the states of a task come from: the engine's per-task watchers and the store. */
export interface TaskStateSource {
  /** Told every committed change of the task, state or not, with the task as written. */
  readonly watchers: Pick<Watchers<Task>, 'watch'>;
  readonly getTask: (taskId: string) => Promise<Task | undefined>;
}

/**
 * The task as it is now, then once per change of its state, in the order they were committed;
 * ends after a final state, when the signal aborts, or at once when there is no such task.
 *
 * Every committed change is queued as the watchers hand it over, so a task that moves twice
 * before the reader is back (RUNNING then COMPLETED while a message is being written) is told
 * both states. A change that leaves the state as it was (the process started, a kill was
 * asked, the next slice was entered) is not told. Changes older than the task already told
 * (by revision) are dropped: one committed before the first read is in that read.
 */
export async function* taskStates(
  source: TaskStateSource,
  taskId: string,
  signal: AbortSignal,
): AsyncGenerator<Task, void, undefined> {
  const changes: Task[] = [];
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const off = source.watchers.watch(taskId, (task) => {
    changes.push(task);
    poke();
  });
  signal.addEventListener('abort', poke);
  try {
    let last = await source.getTask(taskId);
    if (last === undefined || signal.aborted) return;
    yield last;
    while (!isFinalState(last.state) && !signal.aborted) {
      const next = changes.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if (next.revision <= last.revision) continue;
      const changed = next.state !== last.state;
      last = next;
      if (changed) yield next;
    }
  } finally {
    off();
    signal.removeEventListener('abort', poke);
  }
}
