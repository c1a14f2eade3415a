// The SQL of TaskQuery (ListTasks, CountTasks, CancelTasks) and of the other task lists, written
// once for both adapters: a dialect gives only its placeholders and its name-glob match.
import { decodeTaskCursor } from './cursor';
import { SqlParams, whereSql, type Placeholder } from './sql-params';
import type { TaskQuery, PageRequest } from './store';
import { sortColumn } from './task-order';

export interface TaskSqlDialect {
  readonly placeholder: Placeholder;
  /** The columns a SELECT of whole tasks reads. */
  readonly taskColumns: string;
  /** A condition on `tag` (of task_tags) matching the `name:` glob; adds its pattern to params. */
  readonly tagMatchesNameGlob: (glob: string, params: SqlParams) => string;
}

/** The conditions (AND-ed) of a query; every value goes through `params`. */
export function taskWhere(query: TaskQuery, params: SqlParams, dialect: TaskSqlDialect): string[] {
  const where: string[] = [];
  if (query.states !== undefined && query.states.length > 0) {
    where.push(`state IN (${params.list(query.states)})`);
  }
  // failure is 0/1 in SQLite and BOOLEAN in PostgreSQL: NOT reads both.
  if (query.outcome === 'success') where.push(`state = 'COMPLETED' AND NOT failure`);
  if (query.outcome === 'failure') where.push(`state = 'COMPLETED' AND failure`);
  if (query.dedupedOnly === true) where.push('deduped_from IS NOT NULL');
  for (const tag of query.tags ?? []) {
    where.push(`id IN (SELECT task_id FROM task_tags WHERE tag = ${params.add(tag)})`);
  }
  if (query.nameGlob !== undefined) {
    const match = dialect.tagMatchesNameGlob(query.nameGlob, params);
    where.push(`id IN (SELECT task_id FROM task_tags WHERE ${match})`);
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

/** ListTasks's statement: newest first by the sort's time, then id; `limit` rows at most. */
export function listTasksSql(
  query: TaskQuery,
  page: PageRequest,
  dialect: TaskSqlDialect,
): { sql: string; values: unknown[] } {
  const params = new SqlParams(dialect.placeholder);
  const where = taskWhere(query, params, dialect);
  const sort = query.sort ?? 'created';
  const time = sortColumn(sort);
  const after = decodeTaskCursor(page.cursor, sort);
  if (after !== undefined) {
    const [before, at] = [params.add(after.sortMs), params.add(after.sortMs)];
    where.push(`(${time} < ${before} OR (${time} = ${at} AND id < ${params.add(after.id)}))`);
  }
  return {
    sql: `SELECT ${dialect.taskColumns} FROM tasks ${whereSql(where)}
       ORDER BY ${time} DESC, id DESC LIMIT ${params.add(page.limit)}`,
    values: params.values,
  };
}

/** CountTasks's statement; the row has `n`. */
export function countTasksSql(
  query: TaskQuery,
  dialect: TaskSqlDialect,
): { sql: string; values: unknown[] } {
  const params = new SqlParams(dialect.placeholder);
  const where = taskWhere(query, params, dialect);
  return { sql: `SELECT COUNT(*) AS n FROM tasks ${whereSql(where)}`, values: params.values };
}

/**
 * listRunningTasksOf's statement, its one parameter the bot id. The state is a literal so that
 * the partial index on RUNNING tasks by bot (migrations) serves it.
 */
export function runningTasksOfSql(dialect: TaskSqlDialect): string {
  return `SELECT ${dialect.taskColumns} FROM tasks
    WHERE bot_id = ${dialect.placeholder(1)} AND state = 'RUNNING' ORDER BY created_ms, id`;
}
