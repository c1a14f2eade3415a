// Rows of the SQLite store as better-sqlite3 returns them (JSON as text, flags as 0/1), decoded
// into the rows of task-row.ts and bot-row.ts.
import type { KeyValues, Task, TaskSpec } from '../../task/types';
import { rowToBot, rowToBotEvent, type BotEventRow, type BotRow } from '../bot-row';
import type { BotEventRecord, BotRecord } from '../store';
import { rowToTask, type TaskRow } from '../task-row';

export type SqliteTaskRow = Omit<
  TaskRow,
  'spec' | 'bot_dimensions' | 'process_started' | 'failure' | 'internal_failure'
> & {
  spec: string;
  bot_dimensions: string;
  process_started: number;
  failure: number;
  internal_failure: number;
};

export function sqliteRowToTask(row: SqliteTaskRow): Task {
  return rowToTask({
    ...row,
    spec: JSON.parse(row.spec) as TaskSpec,
    bot_dimensions: JSON.parse(row.bot_dimensions) as KeyValues[],
    process_started: row.process_started === 1,
    failure: row.failure === 1,
    internal_failure: row.internal_failure === 1,
  });
}

export type SqliteBotRow = Omit<BotRow, 'dimensions' | 'state' | 'connected' | 'maintenance'> & {
  dimensions: string;
  state: string;
  connected: number;
  maintenance: number;
};

export function sqliteRowToBot(row: SqliteBotRow): BotRecord {
  return rowToBot({
    ...row,
    dimensions: JSON.parse(row.dimensions) as KeyValues[],
    state: JSON.parse(row.state) as Record<string, unknown>,
    connected: row.connected === 1,
    maintenance: row.maintenance === 1,
  });
}

export type SqliteBotEventRow = Omit<BotEventRow, 'dimensions'> & { dimensions: string };

export function sqliteRowToBotEvent(row: SqliteBotEventRow): BotEventRecord {
  return rowToBotEvent({ ...row, dimensions: JSON.parse(row.dimensions) as KeyValues[] });
}
