import type { WebhookDelivery, WebhookRecord, WebhookSettlement } from './webhook-store';

/** A webhook_deliveries row as both adapters read it (PostgreSQL BIGINTs parsed to numbers). */
export interface WebhookRow {
  task_id: string;
  state: string;
  url: string;
  body: string;
  created_ms: number | string;
  status: string;
  attempts: number;
  next_attempt_ms: number | string;
  claimed_until_ms: number | string;
  last_error: string;
  settled_ms: number | string;
}

export function rowToWebhookDelivery(row: WebhookRow): WebhookDelivery {
  return {
    taskId: row.task_id,
    state: row.state,
    url: row.url,
    body: row.body,
    createdMs: Number(row.created_ms),
    attempts: row.attempts,
  };
}

export function rowToWebhookRecord(row: WebhookRow): WebhookRecord {
  return {
    ...rowToWebhookDelivery(row),
    status: row.status === 'delivered' || row.status === 'given-up' ? row.status : 'waiting',
    nextAttemptMs: Number(row.next_attempt_ms),
    claimedUntilMs: Number(row.claimed_until_ms),
    lastError: row.last_error,
    settledMs: Number(row.settled_ms),
  };
}

/** The columns a settlement writes: status, next attempt, last error, settled time. */
export function settlementColumns(
  outcome: WebhookSettlement,
  nowMs: number,
): { status: string; nextAttemptMs: number; lastError: string; settledMs: number } {
  switch (outcome.kind) {
    case 'delivered':
      return { status: 'delivered', nextAttemptMs: 0, lastError: '', settledMs: nowMs };
    case 'given-up':
      return { status: 'given-up', nextAttemptMs: 0, lastError: outcome.error, settledMs: nowMs };
    case 'retry':
      return {
        status: 'waiting',
        nextAttemptMs: outcome.atMs,
        lastError: outcome.error,
        settledMs: 0,
      };
  }
}

/** The oldest-per-task condition of a claim, for both dialects (`d` is the claimed row). */
export const OLDEST_WAITING_OF_TASK = `NOT EXISTS (
  SELECT 1 FROM webhook_deliveries e
  WHERE e.task_id = d.task_id AND e.status = 'waiting' AND e.seq < d.seq)`;
