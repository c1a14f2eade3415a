// Human-readable views of a task result (the JSON views live in @drover/client).
import { timestampToJson } from '@drover/protocol';
import type { TaskResultOut } from '@drover/client';

export function formatDuration(secs: number): string {
  return `${secs.toFixed(2)}s`;
}

/**
 * One line for a state as `drover wait` prints it: `PENDING`, `RUNNING on bot b1`,
 * `COMPLETED exit 3 in 0.01s`, `NO_RESOURCE: no bot matches pool=ci`.
 */
export function describeState(result: TaskResultOut): string {
  const exit = result.exit_code === undefined ? '' : ` exit ${result.exit_code}`;
  let line: string;
  switch (result.state) {
    case 'RUNNING':
    case 'BOT_DIED':
      line = result.bot_id === '' ? result.state : `${result.state} on bot ${result.bot_id}`;
      break;
    case 'COMPLETED':
      line = `COMPLETED${exit} in ${formatDuration(result.duration)}`;
      if (result.deduped_from !== '') line += ` (deduped from ${result.deduped_from})`;
      break;
    case 'TIMED_OUT':
    case 'KILLED':
      line = `${result.state}${exit} after ${formatDuration(result.duration)}`;
      break;
    default:
      line = result.state;
  }
  return result.summary === '' ? line : `${line}: ${result.summary}`;
}

/** The multi-line summary `drover result` prints. */
export function describeResult(result: TaskResultOut): string {
  const rows: Array<[string, string]> = [
    ['task', result.name === '' ? result.task_id : `${result.task_id} (${result.name})`],
    ['state', describeState(result)],
  ];
  const add = (label: string, value: string | null | undefined): void => {
    if (value !== null && value !== undefined && value !== '') rows.push([label, value]);
  };
  add('bot', result.bot_id);
  add('exit code', result.exit_code === undefined ? undefined : String(result.exit_code));
  add('user', result.user);
  add('priority', result.priority === 0 ? undefined : String(result.priority));
  add('created', timestampToJson(result.created_ts));
  add('started', timestampToJson(result.started_ts));
  add('completed', timestampToJson(result.completed_ts));
  add('abandoned', timestampToJson(result.abandoned_ts));
  add('duration', result.started_ts === null ? undefined : formatDuration(result.duration));
  add('output', `${result.output_size} bytes`);
  add('deduped from', result.deduped_from);
  add('tags', result.tags.join(' '));
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/** `text` cut to `max` characters, the last one an ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A timestamp to the second, in UTC: `2023-11-14T22:13:20Z` (what --since accepts). */
export function formatTimestamp(ts: TaskResultOut['created_ts']): string | undefined {
  return timestampToJson(ts)?.replace(/\.\d+Z$/, 'Z');
}

/** The columns of `drover tasks`, with the longest text a cell may show (ids are never cut). */
const TASK_COLUMNS: ReadonlyArray<{
  header: string;
  max: number;
  cell: (r: TaskResultOut) => string | undefined;
}> = [
  { header: 'ID', max: Infinity, cell: (r) => r.task_id },
  { header: 'STATE', max: Infinity, cell: (r) => r.state },
  { header: 'NAME', max: 24, cell: (r) => r.name },
  { header: 'BOT', max: 20, cell: (r) => r.bot_id },
  { header: 'EXIT', max: Infinity, cell: (r) => r.exit_code?.toString() },
  { header: 'CREATED', max: Infinity, cell: (r) => formatTimestamp(r.created_ts) },
  {
    header: 'DURATION',
    max: Infinity,
    cell: (r) =>
      r.started_ts === null || r.state === 'RUNNING' ? undefined : formatDuration(r.duration),
  },
  { header: 'TAGS', max: 48, cell: (r) => r.tags.join(' ') },
];

/**
 * The table `drover tasks` prints: a header, then one row per result in the order given; empty
 * cells show `-`, long names, bots and tags are cut with `…`. No trailing spaces.
 */
export function formatTaskTable(results: readonly TaskResultOut[]): string {
  const rows = [
    TASK_COLUMNS.map((c) => c.header),
    ...results.map((r) =>
      TASK_COLUMNS.map((c) => {
        const text = c.cell(r);
        return text === undefined || text === '' ? '-' : truncate(text, c.max);
      }),
    ),
  ];
  const widths = TASK_COLUMNS.map((_, i) => Math.max(...rows.map((row) => [...row[i]!].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
