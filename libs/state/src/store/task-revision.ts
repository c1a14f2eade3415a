import type { Task } from '../task/types';
import type { ExpectedTask } from './store';

/**
 * updateTask's precondition on its arguments, the same in every adapter: the successor is one
 * revision past the expected one (transition made it from the task read at that revision).
 * Anything else is a bug in the caller, thrown rather than written.
 */
export function checkSuccessorRevision(next: Task, expected: ExpectedTask): void {
  if (next.revision !== expected.revision + 1) {
    throw new Error(
      `updateTask: task ${next.id} at revision ${next.revision} is no successor of revision ${expected.revision}`,
    );
  }
}
