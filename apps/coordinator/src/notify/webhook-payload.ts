import type { Task } from '@drover/state';
import { createHmac } from 'node:crypto';

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-drover-signature';
/** The header naming one notification, `<task_id>:<state>`: the same on every retry of it. */
export const DELIVERY_HEADER = 'x-drover-delivery';

/** What a webhook receives, as JSON. */
export interface WebhookPayload {
  readonly task_id: string;
  readonly name: string;
  readonly state: string;
  /** null for the notification of a new task. */
  readonly previous_state: string | null;
  readonly userdata: string;
  /** Set once the process ended (COMPLETED, TIMED_OUT, KILLED). */
  readonly exit_code: number | null;
  readonly bot_id: string | null;
  readonly summary: string;
  /** When the change happened (RFC 3339, ms). */
  readonly ts: string;
}

/** The body of the notification of `task`'s change from `from`. Pure. */
export function webhookBody(task: Task, from: Task['state'] | undefined): string {
  const payload: WebhookPayload = {
    task_id: task.id,
    name: task.spec.name,
    state: task.state,
    previous_state: from ?? null,
    userdata: task.spec.notify?.userdata ?? '',
    exit_code: task.exitCode,
    bot_id: task.botId,
    summary: task.summary,
    ts: new Date(task.modifiedAtMs).toISOString(),
  };
  return JSON.stringify(payload);
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
