// A task as a row of the tasks table, the same columns in both adapters: what each column holds
// for a Task, and the Task a decoded row reads as. Each adapter decodes its driver's values
// (SQLite: JSON text and 0/1; PostgreSQL: parsed JSONB and BOOLEAN) into TaskRow.
import type { StoredTaskState } from '../task/task-state';
import type { InputsFetch, KeyValues, Task, TaskSpec } from '../task/types';
import { dedupHash } from './dedup-hash';
import { outputsFromColumn, outputsToColumn } from './outputs-column';

export interface TaskRow {
  id: string;
  spec: TaskSpec;
  state: string;
  current_slice: number;
  created_ms: number;
  modified_ms: number;
  started_ms: number | null;
  completed_ms: number | null;
  abandoned_ms: number | null;
  kill_requested_ms: number | null;
  process_started: boolean;
  bot_id: string | null;
  bot_dimensions: KeyValues[];
  lease_id: string | null;
  exit_code: number | null;
  duration_secs: number | null;
  failure: boolean;
  internal_failure: boolean;
  deduped_from: string | null;
  output_size: number;
  summary: string;
  outputs: string | null;
  inputs_fetch: string | null;
  /** '' when nobody cancelled or killed the task. */
  canceled_by: string;
  revision: number;
}

/** The columns updateTask writes (every mutable one but output_size, which appendOutput owns). */
export const MUTABLE_TASK_COLUMNS = [
  'state',
  'current_slice',
  'modified_ms',
  'started_ms',
  'completed_ms',
  'abandoned_ms',
  'kill_requested_ms',
  'process_started',
  'bot_id',
  'bot_dimensions',
  'lease_id',
  'exit_code',
  'duration_secs',
  'failure',
  'internal_failure',
  'deduped_from',
  'summary',
  'dedup_hash',
  'outputs',
  'inputs_fetch',
  'canceled_by',
  'revision',
] as const;

export type MutableTaskColumn = (typeof MUTABLE_TASK_COLUMNS)[number];

/**
 * The values of the mutable columns for `task`: JSON as text and flags as 0/1, which SQLite
 * stores as they are and PostgreSQL reads as JSONB and BOOLEAN.
 */
export function mutableTaskColumns(task: Task): Record<MutableTaskColumn, unknown> {
  return {
    state: task.state,
    current_slice: task.currentSlice,
    modified_ms: task.modifiedAtMs,
    started_ms: task.startedAtMs,
    completed_ms: task.completedAtMs,
    abandoned_ms: task.abandonedAtMs,
    kill_requested_ms: task.killRequestedAtMs,
    process_started: task.processStarted ? 1 : 0,
    bot_id: task.botId,
    bot_dimensions: JSON.stringify(task.botDimensions),
    lease_id: task.leaseId,
    exit_code: task.exitCode,
    duration_secs: task.durationSecs,
    failure: task.failure ? 1 : 0,
    internal_failure: task.internalFailure ? 1 : 0,
    deduped_from: task.dedupedFrom,
    summary: task.summary,
    dedup_hash: dedupHash(task),
    outputs: outputsToColumn(task),
    inputs_fetch: task.inputsFetch === undefined ? null : JSON.stringify(task.inputsFetch),
    canceled_by: task.canceledBy ?? '',
    revision: task.revision,
  };
}

export function rowToTask(row: TaskRow): Task {
  return {
    id: row.id,
    spec: row.spec,
    state: row.state as StoredTaskState,
    currentSlice: row.current_slice,
    createdAtMs: row.created_ms,
    modifiedAtMs: row.modified_ms,
    startedAtMs: row.started_ms,
    completedAtMs: row.completed_ms,
    abandonedAtMs: row.abandoned_ms,
    killRequestedAtMs: row.kill_requested_ms,
    processStarted: row.process_started,
    botId: row.bot_id,
    botDimensions: row.bot_dimensions,
    leaseId: row.lease_id,
    exitCode: row.exit_code,
    durationSecs: row.duration_secs,
    failure: row.failure,
    internalFailure: row.internal_failure,
    dedupedFrom: row.deduped_from,
    outputSize: row.output_size,
    summary: row.summary,
    ...outputsFromColumn(row.outputs),
    ...(row.inputs_fetch === null || row.inputs_fetch === undefined
      ? {}
      : { inputsFetch: JSON.parse(row.inputs_fetch) as InputsFetch }),
    ...(row.canceled_by === '' || row.canceled_by === undefined
      ? {}
      : { canceledBy: row.canceled_by }),
    revision: row.revision,
  };
}
