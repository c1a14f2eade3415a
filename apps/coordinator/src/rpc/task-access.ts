import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from '@drover/protocol';
import { taskPoolsOf, type Store, type Task, type TaskQuery, type TaskSpec } from '@drover/state';
import { can, poolsWith, type Principal, type Role } from '../auth/principal';

/** Priorities below this are for admins of the task's pools (DESIGN.md §2, Swarming). */
export const ADMIN_PRIORITY_BELOW = 20;

/**
 * What a caller is told about a task it may not see. A missing task looks the same to it, so
 * that nothing is revealed about pools it cannot view.
 */
export function notVisible(taskId: string): PermissionDeniedError {
  return new PermissionDeniedError(`task ${taskId}: not found or not visible to you`);
}

/**
 * The task `taskId` when `p` has `role` in its pools. A caller who may see every task gets
 * NOT_FOUND for a missing one; any other caller gets the same PERMISSION_DENIED for a missing
 * task and for one it cannot see. A caller who can view the task but lacks `role` is told which.
 */
export async function loadTaskAs(
  store: Store,
  p: Principal,
  role: Role,
  taskId: string,
  field = 'task_id',
): Promise<Task> {
  if (taskId === '') throw new InvalidArgumentError(field, 'required');
  const task = await store.getTask(taskId);
  if (task === undefined) {
    if (poolsWith(p, 'view') === 'all' || poolsWith(p, role) === 'all') {
      throw new NotFoundError(`task ${taskId}`);
    }
    throw notVisible(taskId);
  }
  const pools = taskPoolsOf(task.spec);
  if (can(p, role, pools)) return task;
  if (role !== 'view' && can(p, 'view', pools)) {
    throw new PermissionDeniedError(`task ${taskId}: ${describeMissing(p, role, pools)}`);
  }
  throw notVisible(taskId);
}

/** Whether `p` may see `task` (BatchGetResult items, listings). */
export function mayView(p: Principal, task: Task): boolean {
  return can(p, 'view', taskPoolsOf(task.spec));
}

/**
 * Refuses a submission unless `p` may submit to every pool of the task, and use its priority.
 * Naming the pools reveals nothing: the caller named them.
 */
export function checkSubmit(p: Principal, spec: Pick<TaskSpec, 'slices' | 'priority'>): void {
  const pools = taskPoolsOf(spec);
  if (!can(p, 'submit', pools))
    throw new PermissionDeniedError(describeMissing(p, 'submit', pools));
  if (spec.priority < ADMIN_PRIORITY_BELOW && !can(p, 'admin', pools)) {
    throw new PermissionDeniedError(
      `priority: values below ${ADMIN_PRIORITY_BELOW} need the admin role in the task's pools, got ${spec.priority}`,
    );
  }
}

/** The `pools` restriction of a listing by a caller holding `role` in only some pools. */
export function poolFilter(p: Principal, role: Role): Pick<TaskQuery, 'pools'> {
  const pools = poolsWith(p, role);
  return pools === 'all' ? {} : { pools };
}

function describeMissing(p: Principal, role: Role, pools: readonly string[]): string {
  const what = role === 'submit' ? 'may not submit to' : `needs the ${role} role in`;
  if (pools.length === 0) return `${what} pool * (the task names no pool)`;
  const missing = pools.find((pool) => !can(p, role, [pool])) ?? pools[0]!;
  return `${what} pool ${missing}`;
}
