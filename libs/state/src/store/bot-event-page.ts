// ListBotEvents paging, decided once for both adapters: the bounds and the cursor as SQL
// conditions, the page size, and the page made of the rows read.
import { decodeEventCursor, encodeEventCursor, pageLimit } from './cursor';
import { SqlParams, whereSql, type Placeholder } from './sql-params';
import type { BotEventPage, BotEventQuery, BotEventRecord, PageRequest } from './store';

/** The statement of one page: newest first (time, then insertion order), one row past it. */
export function listBotEventsSql(
  query: BotEventQuery,
  page: PageRequest,
  placeholder: Placeholder,
): { sql: string; values: unknown[]; limit: number } {
  const params = new SqlParams(placeholder);
  const where: string[] = [];
  if (query.botId !== undefined) where.push(`bot_id = ${params.add(query.botId)}`);
  if (query.startMs !== undefined) where.push(`ts_ms >= ${params.add(query.startMs)}`);
  if (query.endMs !== undefined) where.push(`ts_ms < ${params.add(query.endMs)}`);
  const after = decodeEventCursor(page.cursor);
  if (after !== undefined) {
    const [before, at] = [params.add(after.tsMs), params.add(after.tsMs)];
    where.push(`(ts_ms < ${before} OR (ts_ms = ${at} AND seq < ${params.add(after.seq)}))`);
  }
  const limit = pageLimit(page.limit);
  return {
    sql: `SELECT * FROM bot_events ${whereSql(where)}
      ORDER BY ts_ms DESC, seq DESC LIMIT ${params.add(limit + 1)}`,
    values: params.values,
    limit,
  };
}

/** The page of up to `limit + 1` rows: the extra one only tells that more follow. */
export function botEventPage<R extends { readonly ts_ms: number; readonly seq: number }>(
  rows: readonly R[],
  limit: number,
  toEvent: (row: R) => BotEventRecord,
): BotEventPage {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    events: kept.map(toEvent),
    cursor:
      rows.length > limit && last !== undefined ? encodeEventCursor(last.ts_ms, last.seq) : '',
  };
}
