/**
 * Tables whose rows belong to one task each (beside `tasks` itself): retention (purgeTasks)
 * deletes a task's rows in every one of them, in the same transaction as the task. A table added
 * later with a `task_id` column whose rows mean nothing without their task belongs here (the
 * same name and column in both dialects, and an index that starts with the column), unless it
 * references tasks ON DELETE CASCADE (task_secrets, cas_refs: those rows go with the task row).
 * task_tags is deleted apart, by its primary key (tag, created_ms, task_id) from the task's tags
 * column: it has no index by task id. Not here: bot_events (pruned on their own after
 * BOT_EVENT_RETENTION_MS) and graph_executions (they keep a deleted task's id: the graph stays).
 *
 * `bytes` estimates what a row held, for the purged-bytes counter (an SQL expression over the
 * row; SQLite and PostgreSQL both have length() of text and blobs / bytea).
 */
export interface TaskOwnedTable {
  readonly table: string;
  readonly column: string;
  /** SQL over the row: about how many bytes it holds. */
  readonly bytes: string;
}

export const TASK_OWNED_TABLES: readonly TaskOwnedTable[] = [
  { table: 'task_output', column: 'task_id', bytes: 'length(data) + 40' },
  { table: 'webhook_deliveries', column: 'task_id', bytes: 'length(body) + length(url) + 80' },
];
