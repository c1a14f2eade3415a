// Webhook notifications of the SQLite store (see WebhookStore): plain functions over its
// statement cache; the store runs each inside its group commit.
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
import type { StatementCache } from './statement-cache';

export function enqueueWebhook(sql: StatementCache, d: NewWebhook): boolean {
  const stmt = sql.get<[string, string, string, string, number, number]>(
    `INSERT INTO webhook_deliveries (task_id, state, url, body, created_ms, next_attempt_ms)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, state) DO NOTHING`,
  );
  return stmt.run(d.taskId, d.state, d.url, d.body, d.nowMs, d.nowMs).changes === 1;
}

/** Runs inside a write transaction: the select and the updates see the same rows. */
export function claimWebhooks(
  sql: StatementCache,
  nowMs: number,
  untilMs: number,
  limit: number,
): WebhookDelivery[] {
  const rows = sql
    .get<[number, number, number], WebhookRow & { seq: number }>(
      `SELECT * FROM webhook_deliveries d
       WHERE status = 'waiting' AND next_attempt_ms <= ? AND claimed_until_ms <= ?
         AND ${OLDEST_WAITING_OF_TASK}
       ORDER BY next_attempt_ms, seq LIMIT ?`,
    )
    .all(nowMs, nowMs, Math.max(0, Math.floor(limit)));
  const claim = sql.get<[number, number]>(
    'UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until_ms = ? WHERE seq = ?',
  );
  return rows.map((row) => {
    claim.run(untilMs, row.seq);
    return rowToWebhookDelivery({ ...row, attempts: row.attempts + 1 });
  });
}

export function settleWebhook(
  sql: StatementCache,
  taskId: string,
  state: string,
  attempt: number,
  outcome: WebhookSettlement,
  nowMs: number,
): boolean {
  const c = settlementColumns(outcome, nowMs);
  const stmt = sql.get<[string, number, string, number, string, string, number]>(
    `UPDATE webhook_deliveries SET status = ?, next_attempt_ms = ?, last_error = ?,
       settled_ms = ?, claimed_until_ms = 0
     WHERE task_id = ? AND state = ? AND attempts = ? AND status = 'waiting'`,
  );
  return (
    stmt.run(c.status, c.nextAttemptMs, c.lastError, c.settledMs, taskId, state, attempt)
      .changes === 1
  );
}

export function getWebhook(
  sql: StatementCache,
  taskId: string,
  state: string,
): WebhookRecord | undefined {
  const row = sql
    .get<[string, string], WebhookRow>(
      'SELECT * FROM webhook_deliveries WHERE task_id = ? AND state = ?',
    )
    .get(taskId, state);
  return row === undefined ? undefined : rowToWebhookRecord(row);
}

export function getNextWebhookDueMs(sql: StatementCache): number | undefined {
  const row = sql
    .get<[], { due: number | null }>(
      `SELECT MIN(MAX(next_attempt_ms, claimed_until_ms)) AS due FROM webhook_deliveries d
       WHERE status = 'waiting' AND ${OLDEST_WAITING_OF_TASK}`,
    )
    .get();
  return row?.due ?? undefined;
}

export function pruneWebhooks(sql: StatementCache, beforeMs: number): number {
  return sql
    .get<[number]>(`DELETE FROM webhook_deliveries WHERE status != 'waiting' AND settled_ms < ?`)
    .run(beforeMs).changes;
}
