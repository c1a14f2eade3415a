import { FailedPreconditionError, InvalidArgumentError } from '@drover/protocol';
import { isFinalState, type Store, type Task } from '@drover/state';
import type { Principal } from '../auth/principal';
import { mayView } from '../rpc/task-access';

/**
 * The parent named by a new task's `parent_task_id`, when the caller may start a child of it: it
 * exists, the caller may view it, and it is still PENDING or RUNNING. A missing parent and one the
 * caller may not see get the same INVALID_ARGUMENT, so that nothing is revealed about other
 * pools. A final parent is refused (FAILED_PRECONDITION) instead of creating a child only to
 * cancel it at once (Swarming cancels it): the caller learns why.
 */
export async function checkParent(
  store: Pick<Store, 'getTask'>,
  principal: Principal,
  parentTaskId: string,
): Promise<Task | undefined> {
  if (parentTaskId === '') return undefined;
  const parent = await store.getTask(parentTaskId);
  if (parent === undefined || !mayView(principal, parent)) {
    throw new InvalidArgumentError(
      'parent_task_id',
      `task ${parentTaskId} not found or not visible to you`,
    );
  }
  if (isFinalState(parent.state)) {
    throw new FailedPreconditionError(
      `parent_task_id: parent task ${parentTaskId} is already ${parent.state}: it takes no new children`,
    );
  }
  return parent;
}
