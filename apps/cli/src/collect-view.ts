// Pure views of several tasks followed at once (`collect`, `run --shards`, `wait ID ID…`): the
// live summary line, each task's label, and output lines prefixed per task.
import { timestampToMs } from '@drover/protocol';
import type { TaskResultOut } from '@drover/client';
import { describeState } from './format';
import { shardIndex } from './shards';

/** How a task is named in prefixes and lines: `shard 3` for a shard, else its id. */
export function taskLabel(result: Pick<TaskResultOut, 'tags' | 'task_id'>): string {
  const index = shardIndex(result);
  return index === undefined ? result.task_id : `shard ${index}`;
}

/** The prefix of each output line of a task: `[3] ` for shard 3, `[<task id>] ` otherwise. */
export function outputPrefix(result: Pick<TaskResultOut, 'tags' | 'task_id'>): string {
  const index = shardIndex(result);
  return `[${index === undefined ? result.task_id : String(index)}] `;
}

/** Seconds for people: `4.2s`, `3m07s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const secs = Math.max(0, ms) / 1000;
  if (secs < 60) return `${secs.toFixed(1)}s`;
  const whole = Math.floor(secs);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The live summary: counts by state (in a fixed order), the task running longest and for how long,
 * and the time since following began:
 * `8 tasks: 3 COMPLETED, 1 COMPLETED_FAILURE, 2 RUNNING, 2 PENDING; slowest shard 4 on bot b2
 * (31.0s); elapsed 40.2s`.
 */
export function summaryLine(
  latest: readonly (TaskResultOut | undefined)[],
  startMs: number,
  nowMs: number,
): string {
  const counts = new Map<string, number>();
  for (const result of latest) {
    // A COMPLETED task that exited non-zero failed: as `drover tasks --state completed_failure`.
    const state =
      result === undefined
        ? 'PENDING'
        : result.state === 'COMPLETED' && result.exit_code !== 0
          ? 'COMPLETED_FAILURE'
          : result.state;
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const order = [
    'COMPLETED',
    'COMPLETED_FAILURE',
    'TIMED_OUT',
    'KILLED',
    'CANCELED',
    'EXPIRED',
    'BOT_DIED',
    'NO_RESOURCE',
    'CLIENT_ERROR',
    'RUNNING',
    'PENDING',
  ];
  const states = [...counts.keys()].sort((a, b) => rank(a) - rank(b));
  function rank(state: string): number {
    const i = order.indexOf(state);
    return i < 0 ? order.length : i;
  }
  const noun = latest.length === 1 ? 'task' : 'tasks';
  let line = `${latest.length} ${noun}: ${states.map((s) => `${counts.get(s)} ${s}`).join(', ')}`;
  let slowest: { result: TaskResultOut; startedMs: number } | undefined;
  for (const result of latest) {
    if (result?.state !== 'RUNNING') continue;
    const startedMs = timestampToMs(result.started_ts);
    if (startedMs !== null && (slowest === undefined || startedMs < slowest.startedMs))
      slowest = { result, startedMs };
  }
  if (slowest !== undefined) {
    const bot = slowest.result.bot_id === '' ? '' : ` on bot ${slowest.result.bot_id}`;
    const running = formatElapsed(nowMs - slowest.startedMs);
    line += `; slowest ${taskLabel(slowest.result)}${bot} (${running})`;
  }
  return `${line}; elapsed ${formatElapsed(nowMs - startMs)}`;
}

/** The line a task's end gets (stderr, when it is no terminal): `shard 2: COMPLETED exit 1 in 0.05s`. */
export function endLine(result: TaskResultOut): string {
  return `${taskLabel(result)}: ${describeState(result)}`;
}

const NEWLINE = 0x0a;

/**
 * Cuts a task's output into whole lines, each given the task's prefix; a last line without a
 * newline waits for the rest (or `end`), so shards' lines never mix mid-line.
 */
export class LinePrefixer {
  #pending: Buffer = Buffer.alloc(0);
  readonly #prefix: Buffer;

  constructor(prefix: string) {
    this.#prefix = Buffer.from(prefix);
  }

  /** The whole lines `bytes` completes, prefixed; empty when none. */
  push(bytes: Uint8Array): Buffer {
    const data = Buffer.concat([this.#pending, bytes]);
    const last = data.lastIndexOf(NEWLINE);
    if (last < 0) {
      this.#pending = data;
      return Buffer.alloc(0);
    }
    this.#pending = data.subarray(last + 1);
    return this.#prefixLines(data.subarray(0, last + 1));
  }

  /** The last line, prefixed and given a newline; empty when nothing is left. */
  end(): Buffer {
    if (this.#pending.length === 0) return Buffer.alloc(0);
    const rest = Buffer.concat([this.#pending, Buffer.from('\n')]);
    this.#pending = Buffer.alloc(0);
    return this.#prefixLines(rest);
  }

  #prefixLines(lines: Buffer): Buffer {
    const parts: Buffer[] = [];
    let start = 0;
    while (start < lines.length) {
      const nl = lines.indexOf(NEWLINE, start);
      parts.push(this.#prefix, lines.subarray(start, nl + 1));
      start = nl + 1;
    }
    return Buffer.concat(parts);
  }
}
