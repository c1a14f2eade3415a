import type { TaskQuery } from '../store';

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
  if (query.startMs !== undefined) where.push(`created_ms >= ${params.add(query.startMs)}`);
  if (query.endMs !== undefined) where.push(`created_ms < ${params.add(query.endMs)}`);
  if (query.botId !== undefined) where.push(`bot_id = ${params.add(query.botId)}`);
  if (query.pools !== undefined) {
    where.push(query.pools.length === 0 ? 'FALSE' : `pool IN (${params.list(query.pools)})`);
  }
  return where;
}

export function whereSql(where: readonly string[]): string {
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}
