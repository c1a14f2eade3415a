// What ListTasks's sort and name filter mean in SQL, decided once for every Store adapter: each
// adapter only writes the placeholders.

/** Swarming's sort: the time that orders, bounds (startMs/endMs) and is required. */
export const TASK_SORTS = ['created', 'started', 'completed'] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

/**
 * The column of a sort. Each has an index whose leading column it is (migrations), so a page is
 * an index range, not a scan; started and completed leave out tasks without that time, which
 * also keeps NULLs out of the keyset cursor.
 */
export function sortColumn(
  sort: TaskSort | undefined,
): 'created_ms' | 'started_ms' | 'completed_ms' {
  switch (sort ?? 'created') {
    case 'created':
      return 'created_ms';
    case 'started':
      return 'started_ms';
    case 'completed':
      return 'completed_ms';
  }
}

/** The tag a task's name is found by (libs/protocol automatic-tags.ts). */
export const NAME_TAG_PREFIX = 'name:';

/**
 * A name glob (`*` any run, `?` one character, nothing else special) as a SQLite GLOB pattern on
 * the `name:` tag: `[` is the only other GLOB metacharacter, written as the class `[[]`.
 */
export function nameGlobToSqliteGlob(glob: string): string {
  return NAME_TAG_PREFIX + glob.replaceAll('[', '[[]');
}

/**
 * The same glob as a PostgreSQL LIKE pattern (ESCAPE '\'): LIKE's own `%`, `_` and `\` are
 * escaped, then `*` → `%` and `?` → `_`.
 */
export function nameGlobToLike(glob: string): string {
  const escaped = (NAME_TAG_PREFIX + glob).replace(/[\\%_]/g, (c) => `\\${c}`);
  return escaped.replaceAll('*', '%').replaceAll('?', '_');
}
