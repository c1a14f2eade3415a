// Bots and bot events of the PostgreSQL store: each operation one statement (autocommit).
import type { Pool } from 'pg';
import { botEventPage, listBotEventsSql } from '../bot-event-page';
import {
  BOT_EVENT_COLUMNS,
  botAdminSets,
  botEventValues,
  botReportColumns,
  rowToBot,
  rowToBotEvent,
  type BotEventRow,
  type BotRow,
} from '../bot-row';
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
import { pgPlaceholder } from './pg-task-query';

export async function upsertBot(pool: Pool, bot: BotReport): Promise<void> {
  const c = botReportColumns(bot);
  await pool.query(
    `INSERT INTO bots (id, dimensions, version, first_seen_ms, last_seen_ms, state, session_id,
       connected)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET dimensions = excluded.dimensions, version = excluded.version,
       last_seen_ms = excluded.last_seen_ms, state = excluded.state,
       session_id = excluded.session_id, connected = excluded.connected`,
    [
      c.id,
      c.dimensions,
      c.version,
      c.first_seen_ms,
      c.last_seen_ms,
      c.state,
      c.session_id,
      c.connected,
    ],
  );
}

/** See Store.botDisconnected. */
export async function botDisconnected(pool: Pool, bot: BotReport): Promise<boolean> {
  const c = botReportColumns(bot);
  const { rowCount } = await pool.query(
    `UPDATE bots SET dimensions = $2, version = $3, last_seen_ms = $4, state = $5, connected = false
     WHERE id = $1 AND (session_id = $6 OR NOT connected)`,
    [c.id, c.dimensions, c.version, c.last_seen_ms, c.state, c.session_id],
  );
  return rowCount === 1;
}

export async function getBot(pool: Pool, id: string): Promise<BotRecord | undefined> {
  const { rows } = await pool.query<BotRow>('SELECT * FROM bots WHERE id = $1', [id]);
  return rows[0] === undefined ? undefined : rowToBot(rows[0]);
}

export async function listBots(pool: Pool): Promise<BotRecord[]> {
  const { rows } = await pool.query<BotRow>('SELECT * FROM bots ORDER BY id');
  return rows.map(rowToBot);
}

/** One UPDATE … RETURNING: the patch and the record it produced are one atomic step. */
export async function setBotAdmin(
  pool: Pool,
  id: string,
  patch: Partial<BotAdminState>,
): Promise<BotRecord | undefined> {
  const params = new SqlParams(pgPlaceholder);
  const sets = botAdminSets(patch, params);
  if (sets.length === 0) return getBot(pool, id);
  const { rows } = await pool.query<BotRow>(
    `UPDATE bots SET ${sets.join(', ')} WHERE id = ${params.add(id)} RETURNING *`,
    params.values,
  );
  return rows[0] === undefined ? undefined : rowToBot(rows[0]);
}

export async function deleteBot(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM bots WHERE id = $1', [id]);
  return rowCount === 1;
}

/** Rows per INSERT: 6 parameters each, well under PostgreSQL's 65,535. */
const EVENTS_PER_INSERT = 1000;

/** Multi-row INSERTs (one round trip per 1,000 events); seq follows the given order. */
export async function appendBotEvents(
  pool: Pool,
  events: readonly BotEventRecord[],
): Promise<void> {
  for (let from = 0; from < events.length; from += EVENTS_PER_INSERT) {
    const params = new SqlParams(pgPlaceholder);
    const rows = events
      .slice(from, from + EVENTS_PER_INSERT)
      .map((e) => `(${params.list(botEventValues(e))})`);
    await pool.query(
      `INSERT INTO bot_events (${BOT_EVENT_COLUMNS}) VALUES ${rows.join(', ')}`,
      params.values,
    );
  }
}

export async function listBotEvents(
  pool: Pool,
  query: BotEventQuery,
  page: PageRequest,
): Promise<BotEventPage> {
  const { sql, values, limit } = listBotEventsSql(query, page, pgPlaceholder);
  const { rows } = await pool.query<BotEventRow>(sql, values);
  return botEventPage(rows, limit, rowToBotEvent);
}

export async function pruneBotEvents(pool: Pool, beforeMs: number): Promise<number> {
  const { rowCount } = await pool.query('DELETE FROM bot_events WHERE ts_ms < $1', [beforeMs]);
  return rowCount ?? 0;
}
