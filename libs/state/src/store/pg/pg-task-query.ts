import { decodeTaskCursor } from '../cursor';
import type { TaskQuery } from '../store';
import { TASK_COLUMNS } from './pg-rows';
import { nameGlobToLike, sortColumn } from '../task-order';

/** Numbered query parameters: `add(v)` keeps the value and returns its placeholder ($n). */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A placeholder per value, comma-separated. */
  list(values: readonly unknown[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}

/** The conditions (AND-ed) of a TaskQuery, with the SQLite adapter's meaning. */
export function taskWhere(query: TaskQuery, params: SqlParams): string[] {
  const where: string[] = [];
  if (query.states !== undefined && query.states.length > 0) {
    where.push(`state IN (${params.list(query.states)})`);
  }
  if (query.outcome === 'success') where.push(`state = 'COMPLETED' AND NOT failure`);
  if (query.outcome === 'failure') where.push(`state = 'COMPLETED' AND failure`);
  if (query.dedupedOnly === true) where.push('deduped_from IS NOT NULL');
  for (const tag of query.tags ?? []) {
    where.push(`id IN (SELECT task_id FROM task_tags WHERE tag = ${params.add(tag)})`);
  }
  if (query.nameGlob !== undefined) {
    const pattern = params.add(nameGlobToLike(query.nameGlob));
    where.push(`id IN (SELECT task_id FROM task_tags WHERE tag LIKE ${pattern} ESCAPE '\\')`);
  }
  const time = sortColumn(query.sort);
  if (time !== 'created_ms') where.push(`${time} IS NOT NULL`);
  if (query.startMs !== undefined) where.push(`${time} >= ${params.add(query.startMs)}`);
  if (query.endMs !== undefined) where.push(`${time} < ${params.add(query.endMs)}`);
  if (query.botId !== undefined) where.push(`bot_id = ${params.add(query.botId)}`);
  if (query.pools !== undefined) {
    where.push(query.pools.length === 0 ? 'FALSE' : `pool IN (${params.list(query.pools)})`);
  }
  return where;
}

export function whereSql(where: readonly string[]): string {
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}

/** ListTasks's statement (exported for the EXPLAIN test): `limit` rows at most. */
export function pgListTasksSql(
  query: TaskQuery,
  page: { limit: number; cursor?: string | undefined },
): { sql: string; values: unknown[] } {
  const params = new SqlParams();
  const where = taskWhere(query, params);
  const sort = query.sort ?? 'created';
  const time = sortColumn(sort);
  const after = decodeTaskCursor(page.cursor, sort);
  if (after !== undefined) {
    const at = params.add(after.sortMs);
    where.push(`(${time} < ${at} OR (${time} = ${at} AND id < ${params.add(after.id)}))`);
  }
  return {
    sql: `SELECT ${TASK_COLUMNS} FROM tasks ${whereSql(where)}
       ORDER BY ${time} DESC, id DESC LIMIT ${params.add(page.limit)}`,
    values: params.values,
  };
}
