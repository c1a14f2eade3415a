// The task queries of the SQLite store: the shared filter (task-filter.ts) with `?`
// placeholders and a GLOB for name globs.
import type { SqlParams } from '../sql-params';
import type { TaskQuery, PageRequest } from '../store';
import { listTasksSql, type TaskSqlDialect } from '../task-filter';
import { nameGlobToSqliteGlob } from '../task-order';

export const sqlitePlaceholder = (): string => '?';

export const SQLITE_TASK_SQL: TaskSqlDialect = {
  placeholder: sqlitePlaceholder,
  taskColumns: '*',
  tagMatchesNameGlob: (glob: string, params: SqlParams) =>
    `tag GLOB ${params.add(nameGlobToSqliteGlob(glob))}`,
};

/** ListTasks's statement (exported for the EXPLAIN QUERY PLAN test): `limit` rows at most. */
export function sqliteListTasksSql(
  query: TaskQuery,
  page: PageRequest,
): { sql: string; values: unknown[] } {
  return listTasksSql(query, page, SQLITE_TASK_SQL);
}
