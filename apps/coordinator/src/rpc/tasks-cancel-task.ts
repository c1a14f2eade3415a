import type { CancelTaskResponse } from '@drover/protocol';
import { taskPoolOf, type Store } from '@drover/state';
import { audited, type AuditLog } from '../audit/audit-log';
import type { Actor } from '../audit/audited-bot';
import type { TaskEngine } from '../engine/task-engine';
import { loadTaskAs } from './task-access';

export interface CancelDeps {
  readonly store: Store;
  readonly engine: Pick<TaskEngine, 'apply'>;
  readonly audit: AuditLog;
}

/**
 * CancelTask as `actor` (the cancel role in the task's pools), for gRPC, Connect and the
 * dashboard alike: a PENDING task is cancelled, a RUNNING one killed when `killRunning`; the
 * caller's name is kept as the task's canceled_by. Recorded once in the audit log (tasks.cancel,
 * or tasks.kill with kill_running), refused or not; a task already final or running without
 * kill_running answers canceled=false and is recorded as such.
 */
export async function cancelTask(
  deps: CancelDeps,
  actor: Actor,
  taskId: string,
  killRunning: boolean,
): Promise<CancelTaskResponse> {
  const { store, engine } = deps;
  let pool = '';
  const run = async (): Promise<CancelTaskResponse> => {
    let before;
    try {
      before = await loadTaskAs(store, actor.principal, 'cancel', taskId);
    } catch (err) {
      // Refused: the entry still names the task's pool, so that its admins see the attempt.
      pool = await store.getTask(taskId).then(
        (t) => (t === undefined ? '' : taskPoolOf(t.spec)),
        () => '',
      );
      throw err;
    }
    pool = taskPoolOf(before.spec);
    const outcome = await engine.apply(before.id, {
      type: 'cancel',
      killRunning,
      by: actor.principal.name,
    });
    if ('refused' in outcome) {
      const now = (await store.getTask(before.id)) ?? before;
      return { canceled: false, was_running: now.state === 'RUNNING', state: now.state };
    }
    return { canceled: true, was_running: before.state === 'RUNNING', state: outcome.task.state };
  };
  return audited(
    deps.audit,
    {
      principal: actor.principal,
      peer: actor.peer,
      action: killRunning ? 'tasks.kill' : 'tasks.cancel',
      target: taskId,
      pool: () => pool,
      details: { kill_running: killRunning },
    },
    run,
    (res) => ({ details: { canceled: res.canceled, state: res.state } }),
  );
}
