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
