// Bots and bot events of the PostgreSQL store: each operation one statement (autocommit).
import type { Pool } from 'pg';
import { decodeEventCursor, encodeEventCursor } from '../cursor';
import type {
  BotAdminState,
  BotEventPage,
  BotEventQuery,
  BotEventRecord,
  BotRecord,
  BotReport,
} from '../store';
import { rowToBot, rowToBotEvent, type BotEventRow, type BotRow } from './pg-rows';
import { SqlParams, whereSql } from './pg-task-query';

export async function upsertBot(pool: Pool, bot: BotReport): Promise<void> {
  await pool.query(
    `INSERT INTO bots (id, dimensions, version, first_seen_ms, last_seen_ms, state, session_id,
       connected)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET dimensions = excluded.dimensions, version = excluded.version,
       last_seen_ms = excluded.last_seen_ms, state = excluded.state,
       session_id = excluded.session_id, connected = excluded.connected`,
    [
      bot.id,
      JSON.stringify(bot.dimensions),
      bot.version,
      bot.firstSeenMs,
      bot.lastSeenMs,
      JSON.stringify(bot.state),
      bot.sessionId,
      bot.connected,
    ],
  );
}

/** See Store.botDisconnected. */
export async function botDisconnected(pool: Pool, bot: BotReport): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE bots SET dimensions = $2, version = $3, last_seen_ms = $4, state = $5, connected = false
     WHERE id = $1 AND (session_id = $6 OR NOT connected)`,
    [
      bot.id,
      JSON.stringify(bot.dimensions),
      bot.version,
      bot.lastSeenMs,
      JSON.stringify(bot.state),
      bot.sessionId,
    ],
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
  const params = new SqlParams();
  const where = `id = ${params.add(id)}`;
  const sets: string[] = [];
  if (patch.quarantinedReason !== undefined) {
    sets.push(`admin_quarantined_reason = ${params.add(patch.quarantinedReason)}`);
  }
  if (patch.maintenance !== undefined) sets.push(`maintenance = ${params.add(patch.maintenance)}`);
  if (patch.maintenanceMsg !== undefined) {
    sets.push(`maintenance_msg = ${params.add(patch.maintenanceMsg)}`);
  }
  if (sets.length === 0) return getBot(pool, id);
  const { rows } = await pool.query<BotRow>(
    `UPDATE bots SET ${sets.join(', ')} WHERE ${where} RETURNING *`,
    params.values,
  );
  return rows[0] === undefined ? undefined : rowToBot(rows[0]);
}

export async function deleteBot(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('DELETE FROM bots WHERE id = $1', [id]);
  return rowCount === 1;
}

export async function appendBotEvent(pool: Pool, event: BotEventRecord): Promise<void> {
  await pool.query(
    `INSERT INTO bot_events (ts_ms, bot_id, event_type, message, task_id, dimensions)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      event.tsMs,
      event.botId,
      event.eventType,
      event.message,
      event.taskId,
      JSON.stringify(event.dimensions),
    ],
  );
}

/** Rows per INSERT: 6 parameters each, well under PostgreSQL's 65,535. */
const EVENTS_PER_INSERT = 1000;

/** Multi-row INSERTs (one round trip per 1,000 events); seq follows the given order. */
export async function appendBotEvents(
  pool: Pool,
  events: readonly BotEventRecord[],
): Promise<void> {
  for (let from = 0; from < events.length; from += EVENTS_PER_INSERT) {
    const params = new SqlParams();
    const rows = events
      .slice(from, from + EVENTS_PER_INSERT)
      .map(
        (e) =>
          `(${params.list([e.tsMs, e.botId, e.eventType, e.message, e.taskId, JSON.stringify(e.dimensions)])})`,
      );
    await pool.query(
      `INSERT INTO bot_events (ts_ms, bot_id, event_type, message, task_id, dimensions)
       VALUES ${rows.join(', ')}`,
      params.values,
    );
  }
}

export async function listBotEvents(
  pool: Pool,
  query: BotEventQuery,
  page: { limit: number; cursor?: string },
): Promise<BotEventPage> {
  const params = new SqlParams();
  const where: string[] = [];
  if (query.botId !== undefined) where.push(`bot_id = ${params.add(query.botId)}`);
  if (query.startMs !== undefined) where.push(`ts_ms >= ${params.add(query.startMs)}`);
  if (query.endMs !== undefined) where.push(`ts_ms < ${params.add(query.endMs)}`);
  const after = decodeEventCursor(page.cursor);
  if (after !== undefined) {
    const ts = params.add(after.tsMs);
    where.push(`(ts_ms < ${ts} OR (ts_ms = ${ts} AND seq < ${params.add(after.seq)}))`);
  }
  const limit = Math.max(1, Math.floor(page.limit));
  const { rows } = await pool.query<BotEventRow>(
    `SELECT * FROM bot_events ${whereSql(where)}
     ORDER BY ts_ms DESC, seq DESC LIMIT ${params.add(limit + 1)}`,
    params.values,
  );
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    events: kept.map(rowToBotEvent),
    cursor: more && last !== undefined ? encodeEventCursor(last.ts_ms, last.seq) : '',
  };
}

export async function pruneBotEvents(pool: Pool, beforeMs: number): Promise<number> {
  const { rowCount } = await pool.query('DELETE FROM bot_events WHERE ts_ms < $1', [beforeMs]);
  return rowCount ?? 0;
}
