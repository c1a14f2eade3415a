import { canonicalJson, msToTimestamp, type TaskNotification } from '@drover/protocol';
import type { Task } from '@drover/state';
import { createHmac } from 'node:crypto';

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-drover-signature';
/** The header naming one notification, `<task_id>:<state>`: the same on every retry of it. */
export const DELIVERY_HEADER = 'x-drover-delivery';

/**
 * The body of the notification of `task`'s change from `from` (undefined: the task is new): a
 * `drover.v1.TaskNotification` (proto/drover/v1/tasks.proto) in the one JSON shape of
 * docs/json.md, so `previous_state` and `exit_code` are absent while unset, `exit_code` is a
 * string, `bot_id` "" before a bot, and `ts` (when the change happened) RFC 3339. Pure.
 */
export function webhookBody(task: Task, from: Task['state'] | undefined): string {
  const notification: TaskNotification = {
    task_id: task.id,
    name: task.spec.name,
    state: task.state,
    ...(from === undefined ? {} : { previous_state: from }),
    userdata: task.spec.notify?.userdata ?? '',
    ...(task.exitCode === null ? {} : { exit_code: task.exitCode }),
    bot_id: task.botId ?? '',
    summary: task.summary,
    ts: msToTimestamp(task.modifiedAtMs),
  };
  return JSON.stringify(canonicalJson('TaskNotification', notification));
}

/** `sha256=<hex>`: the HMAC-SHA256 of the body's exact bytes with the coordinator's secret. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * The wait before attempt `attempt + 1` after attempt `attempt` (from 1) failed: `backoffMs`
 * doubling, at most `backoffMaxMs`. Pure.
 */
export function retryDelayMs(
  attempt: number,
  policy: { readonly backoffMs: number; readonly backoffMaxMs: number },
): number {
  return Math.min(policy.backoffMs * 2 ** Math.max(0, attempt - 1), policy.backoffMaxMs);
}
