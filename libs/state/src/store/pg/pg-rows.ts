// Rows of the PostgreSQL store as the pg driver returns them: BIGINT parsed to number by the
// store's type parser, JSONB parsed, BOOLEAN as boolean — the decoded rows of task-row.ts and
// bot-row.ts as they are.
import type { Task } from '../../task/types';
import { MUTABLE_TASK_COLUMNS, mutableTaskColumns } from '../task-row';

/** The columns a SELECT of whole tasks reads (not the indexed copies of spec fields). */
export const TASK_COLUMNS = `id, spec, state, current_slice, created_ms, modified_ms, started_ms,
  completed_ms, abandoned_ms, kill_requested_ms, process_started, bot_id, bot_dimensions, lease_id,
  exit_code, duration_secs, failure, internal_failure, deduped_from, output_size, summary, outputs,
  inputs_fetch, canceled_by, revision`;

/** The values of MUTABLE_TASK_COLUMNS for `task`, in that order. */
export function mutableTaskValues(task: Task): unknown[] {
  const columns = mutableTaskColumns(task);
  return MUTABLE_TASK_COLUMNS.map((c) => columns[c]);
}
