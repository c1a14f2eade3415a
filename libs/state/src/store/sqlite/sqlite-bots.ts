// Bots and bot events of the SQLite store: plain functions over its statement cache; the store
// runs the writes inside its group commit.
import { botEventPage, listBotEventsSql } from '../bot-event-page';
import { BOT_EVENT_COLUMNS, botAdminSets, botEventValues, botReportColumns } from '../bot-row';
import { SqlParams } from '../sql-params';
import type {
  BotAdminState,
  BotEventPage,
  BotEventQuery,
  BotEventRecord,
  BotRecord,
  BotReport,
  PageRequest,
} from '../store';
import {
  sqliteRowToBot,
  sqliteRowToBotEvent,
  type SqliteBotEventRow,
  type SqliteBotRow,
} from './sqlite-rows';
import { sqlitePlaceholder } from './sqlite-task-query';
import type { StatementCache } from './statement-cache';

type Params = Record<string, string | number>;

export function upsertBot(sql: StatementCache, bot: BotReport): void {
  sql
    .get<[Params]>(
      `INSERT INTO bots (id, dimensions, version, first_seen_ms, last_seen_ms, state, session_id,
         connected)
       VALUES (@id, @dimensions, @version, @first_seen_ms, @last_seen_ms, @state, @session_id,
         @connected)
       ON CONFLICT (id) DO UPDATE SET dimensions = excluded.dimensions, version = excluded.version,
         last_seen_ms = excluded.last_seen_ms, state = excluded.state,
         session_id = excluded.session_id, connected = excluded.connected`,
    )
    .run(botReportColumns(bot));
}

/** See Store.botDisconnected. */
export function botDisconnected(sql: StatementCache, bot: BotReport): boolean {
  const { first_seen_ms: _first, connected: _connected, ...c } = botReportColumns(bot);
  return (
    sql
      .get<[Params]>(
        `UPDATE bots SET dimensions = @dimensions, version = @version,
           last_seen_ms = @last_seen_ms, state = @state, connected = 0
         WHERE id = @id AND (session_id = @session_id OR connected = 0)`,
      )
      .run(c).changes === 1
  );
}

export function getBot(sql: StatementCache, id: string): BotRecord | undefined {
  const row = sql.get<[string], SqliteBotRow>('SELECT * FROM bots WHERE id = ?').get(id);
  return row === undefined ? undefined : sqliteRowToBot(row);
}

export function listBots(sql: StatementCache): BotRecord[] {
  return sql.get<[], SqliteBotRow>('SELECT * FROM bots ORDER BY id').all().map(sqliteRowToBot);
}

/** The patch, then the record it produced (both inside one write of the group commit). */
export function setBotAdmin(
  sql: StatementCache,
  id: string,
  patch: Partial<BotAdminState>,
): BotRecord | undefined {
  const params = new SqlParams(sqlitePlaceholder);
  const sets = botAdminSets(patch, params);
  if (sets.length > 0) {
    sql
      .get(`UPDATE bots SET ${sets.join(', ')} WHERE id = ${params.add(id)}`)
      .run(...params.values);
  }
  return getBot(sql, id);
}

export function deleteBot(sql: StatementCache, id: string): boolean {
  return sql.get<[string]>('DELETE FROM bots WHERE id = ?').run(id).changes === 1;
}

/** One prepared INSERT per event, in the given order (seq follows it). */
export function appendBotEvents(sql: StatementCache, events: readonly BotEventRecord[]): void {
  const insert = sql.get(`INSERT INTO bot_events (${BOT_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const e of events) insert.run(...botEventValues(e));
}

export function listBotEvents(
  sql: StatementCache,
  query: BotEventQuery,
  page: PageRequest,
): BotEventPage {
  const { sql: text, values, limit } = listBotEventsSql(query, page, sqlitePlaceholder);
  const rows = sql.get<unknown[], SqliteBotEventRow>(text).all(...values);
  return botEventPage(rows, limit, sqliteRowToBotEvent);
}

export function pruneBotEvents(sql: StatementCache, beforeMs: number): number {
  return sql.get<[number]>('DELETE FROM bot_events WHERE ts_ms < ?').run(beforeMs).changes;
}
