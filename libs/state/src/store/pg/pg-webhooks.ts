// Webhook notifications of the PostgreSQL store (see WebhookStore): each operation one statement.
// A claim locks the rows it takes (FOR UPDATE SKIP LOCKED) and re-checks them as it updates, so
// two coordinators never claim one notification for the same attempt.
import type { Pool } from 'pg';
import {
  OLDEST_WAITING_OF_TASK,
  rowToWebhookDelivery,
  rowToWebhookRecord,
  settlementColumns,
  type WebhookRow,
} from '../webhook-rows';
import type {
  NewWebhook,
  WebhookDelivery,
  WebhookRecord,
  WebhookSettlement,
} from '../webhook-store';

export async function enqueueWebhook(pool: Pool, d: NewWebhook): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO webhook_deliveries (task_id, state, url, body, created_ms, next_attempt_ms)
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (task_id, state) DO NOTHING`,
    [d.taskId, d.state, d.url, d.body, d.nowMs],
  );
  return rowCount === 1;
}

export async function claimWebhooks(
  pool: Pool,
  nowMs: number,
  untilMs: number,
  limit: number,
): Promise<WebhookDelivery[]> {
  const { rows } = await pool.query<WebhookRow & { seq: string }>(
    `WITH picked AS MATERIALIZED (
       SELECT seq FROM webhook_deliveries d
       WHERE status = 'waiting' AND next_attempt_ms <= $1 AND claimed_until_ms <= $1
         AND ${OLDEST_WAITING_OF_TASK}
       ORDER BY next_attempt_ms, seq LIMIT $3
       FOR UPDATE SKIP LOCKED)
     UPDATE webhook_deliveries w SET attempts = w.attempts + 1, claimed_until_ms = $2
     FROM picked
     WHERE w.seq = picked.seq AND w.status = 'waiting' AND w.claimed_until_ms <= $1
     RETURNING w.*`,
    [nowMs, untilMs, Math.max(0, Math.floor(limit))],
  );
  return rows
    .sort(
      (a, b) =>
        Number(a.next_attempt_ms) - Number(b.next_attempt_ms) || Number(a.seq) - Number(b.seq),
    )
    .map(rowToWebhookDelivery);
}

export async function settleWebhook(
  pool: Pool,
  taskId: string,
  state: string,
  attempt: number,
  outcome: WebhookSettlement,
  nowMs: number,
): Promise<boolean> {
  const c = settlementColumns(outcome, nowMs);
  const { rowCount } = await pool.query(
    `UPDATE webhook_deliveries SET status = $1, next_attempt_ms = $2, last_error = $3,
       settled_ms = $4, claimed_until_ms = 0
     WHERE task_id = $5 AND state = $6 AND attempts = $7 AND status = 'waiting'`,
    [c.status, c.nextAttemptMs, c.lastError, c.settledMs, taskId, state, attempt],
  );
  return rowCount === 1;
}

export async function getWebhook(
  pool: Pool,
  taskId: string,
  state: string,
): Promise<WebhookRecord | undefined> {
  const { rows } = await pool.query<WebhookRow>(
    'SELECT * FROM webhook_deliveries WHERE task_id = $1 AND state = $2',
    [taskId, state],
  );
  const row = rows[0];
  return row === undefined ? undefined : rowToWebhookRecord(row);
}

export async function getNextWebhookDueMs(pool: Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ due: string | null }>(
    `SELECT MIN(GREATEST(next_attempt_ms, claimed_until_ms)) AS due FROM webhook_deliveries d
     WHERE status = 'waiting' AND ${OLDEST_WAITING_OF_TASK}`,
  );
  const due = rows[0]?.due;
  return due === null || due === undefined ? undefined : Number(due);
}

export async function pruneWebhooks(pool: Pool, beforeMs: number): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM webhook_deliveries WHERE status <> 'waiting' AND settled_ms < $1`,
    [beforeMs],
  );
  return rowCount ?? 0;
}
