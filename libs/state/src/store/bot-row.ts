// Bots and bot events as rows, the same columns in both adapters; each adapter decodes its
// driver's values (SQLite: JSON text and 0/1; PostgreSQL: parsed JSONB and BOOLEAN) into these.
import type { KeyValues } from '../task/types';
import type { SqlParams } from './sql-params';
import type { BotAdminState, BotEventRecord, BotEventType, BotRecord, BotReport } from './store';

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

/** The columns appendBotEvents writes, in order, and their values for an event. */
export const BOT_EVENT_COLUMNS = 'ts_ms, bot_id, event_type, message, task_id, dimensions';

export function botEventValues(e: BotEventRecord): (string | number)[] {
  return [e.tsMs, e.botId, e.eventType, e.message, e.taskId, JSON.stringify(e.dimensions)];
}

/** The columns upsertBot writes and their values for a report (connected as 0/1). */
export function botReportColumns(bot: BotReport) {
  return {
    id: bot.id,
    dimensions: JSON.stringify(bot.dimensions),
    version: bot.version,
    first_seen_ms: bot.firstSeenMs,
    last_seen_ms: bot.lastSeenMs,
    state: JSON.stringify(bot.state),
    session_id: bot.sessionId,
    connected: bot.connected ? 1 : 0,
  };
}

/** The SET clauses of setBotAdmin for what the patch names (flags as 0/1); none for an empty one. */
export function botAdminSets(patch: Partial<BotAdminState>, params: SqlParams): string[] {
  const sets: string[] = [];
  if (patch.quarantinedReason !== undefined) {
    sets.push(`admin_quarantined_reason = ${params.add(patch.quarantinedReason)}`);
  }
  if (patch.maintenance !== undefined) {
    sets.push(`maintenance = ${params.add(patch.maintenance ? 1 : 0)}`);
  }
  if (patch.maintenanceMsg !== undefined) {
    sets.push(`maintenance_msg = ${params.add(patch.maintenanceMsg)}`);
  }
  return sets;
}
