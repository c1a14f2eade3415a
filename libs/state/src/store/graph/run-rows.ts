// Pipeline runs as both dialects store them (one row each: pools and steps as JSON text) and
// listRuns' name glob in each dialect's pattern language.
import type { GraphRun } from '../../graph/graph-types';

/** A graph_runs row as read back (created_ms a number: the PostgreSQL store parses int8). */
export interface RunRow {
  id: string;
  name: string;
  created_ms: number;
  user_name: string;
  pools: string;
  steps: string;
}

export function runColumns(run: GraphRun): RunRow {
  return {
    id: run.id,
    name: run.name,
    created_ms: run.createdAtMs,
    user_name: run.user,
    pools: JSON.stringify(run.pools),
    steps: JSON.stringify(run.steps),
  };
}

export function runFromRow(row: RunRow): GraphRun {
  return {
    id: row.id,
    name: row.name,
    createdAtMs: Number(row.created_ms),
    user: row.user_name,
    pools: JSON.parse(row.pools) as GraphRun['pools'],
    steps: JSON.parse(row.steps) as GraphRun['steps'],
  };
}

/**
 * RunFilter.nameGlob (`*` any run of characters, `?` exactly one, everything else literal) as a
 * SQLite GLOB pattern: case-sensitive like the glob; `[` is GLOB's only other special, escaped
 * as `[[]`.
 */
export function sqliteGlob(glob: string): string {
  return glob.replace(/\[/g, '[[]');
}

/**
 * RunFilter.nameGlob as a PostgreSQL LIKE pattern with `\` as its escape (case-sensitive, as
 * LIKE is): `%`, `_` and `\` escaped, then `*` → `%`, `?` → `_`.
 */
export function likePattern(glob: string): string {
  let out = '';
  for (const c of glob) {
    if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_' || c === '\\') out += `\\${c}`;
    else out += c;
  }
  return out;
}
