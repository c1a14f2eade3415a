// The task queries of the PostgreSQL store: the shared filter (task-filter.ts) with `$n`
// placeholders and a LIKE for name globs.
import type { SqlParams } from '../sql-params';
import type { TaskQuery, PageRequest } from '../store';
import { listTasksSql, type TaskSqlDialect } from '../task-filter';
import { nameGlobToLike } from '../task-order';
import { TASK_COLUMNS } from './pg-rows';

export const pgPlaceholder = (n: number): string => `$${n}`;

export const PG_TASK_SQL: TaskSqlDialect = {
  placeholder: pgPlaceholder,
  taskColumns: TASK_COLUMNS,
  tagMatchesNameGlob: (glob: string, params: SqlParams) =>
    `tag LIKE ${params.add(nameGlobToLike(glob))} ESCAPE '\\'`,
};

/** ListTasks's statement (exported for the EXPLAIN test): `limit` rows at most. */
export function pgListTasksSql(
  query: TaskQuery,
  page: PageRequest,
): { sql: string; values: unknown[] } {
  return listTasksSql(query, page, PG_TASK_SQL);
}
