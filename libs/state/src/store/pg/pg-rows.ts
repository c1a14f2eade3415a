// Rows of the PostgreSQL store as the pg driver returns them (BIGINT parsed to number by the
// store's type parser, JSONB parsed, BOOLEAN as boolean) and their mapping to domain values.
import type { StoredTaskState } from '../../task/task-state';
import type { KeyValues, Task, TaskSpec } from '../../task/types';
import { dedupHash } from '../dedup-hash';
import { outputsFromColumn, outputsToColumn } from '../outputs-column';
import type { BotEventRecord, BotEventType, BotRecord } from '../store';

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
}

/** The columns a SELECT of whole tasks reads (not the indexed copies of spec fields). */
export const TASK_COLUMNS = `id, spec, state, current_slice, created_ms, modified_ms, started_ms,
  completed_ms, abandoned_ms, kill_requested_ms, process_started, bot_id, bot_dimensions, lease_id,
  exit_code, duration_secs, failure, internal_failure, deduped_from, output_size, summary, outputs`;

/**
 * The mutable columns that updateTask writes, in the order of mutableTaskValues(), numbered from
 * $2 ($1 is the id).
 */
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
] as const;

export function mutableTaskValues(task: Task): unknown[] {
  return [
    task.state,
    task.currentSlice,
    task.modifiedAtMs,
    task.startedAtMs,
    task.completedAtMs,
    task.abandonedAtMs,
    task.killRequestedAtMs,
    task.processStarted,
    task.botId,
    JSON.stringify(task.botDimensions),
    task.leaseId,
    task.exitCode,
    task.durationSecs,
    task.failure,
    task.internalFailure,
    task.dedupedFrom,
    task.summary,
    dedupHash(task),
    outputsToColumn(task),
  ];
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
  };
}

export interface BotRow {
  id: string;
  dimensions: KeyValues[];
  version: string;
  first_seen_ms: number;
  last_seen_ms: number;
  state: Record<string, unknown>;
  session_id: string;
  connected: boolean;
  admin_quarantined_reason: string;
  maintenance: boolean;
  maintenance_msg: string;
}

export function rowToBot(row: BotRow): BotRecord {
  return {
    id: row.id,
    dimensions: row.dimensions,
    version: row.version,
    firstSeenMs: row.first_seen_ms,
    lastSeenMs: row.last_seen_ms,
    state: row.state,
    sessionId: row.session_id,
    connected: row.connected,
    admin: {
      quarantinedReason: row.admin_quarantined_reason,
      maintenance: row.maintenance,
      maintenanceMsg: row.maintenance_msg,
    },
  };
}

export interface BotEventRow {
  seq: number;
  ts_ms: number;
  bot_id: string;
  event_type: string;
  message: string;
  task_id: string;
  dimensions: KeyValues[];
}

export function rowToBotEvent(row: BotEventRow): BotEventRecord {
  return {
    tsMs: row.ts_ms,
    botId: row.bot_id,
    // Written only by appendBotEvent, which takes a BotEventType.
    eventType: row.event_type as BotEventType,
    message: row.message,
    taskId: row.task_id,
    dimensions: row.dimensions,
  };
}
