import type { Hello, StringListPair, TaskFinished } from '@drover/protocol';
import type { Dimensions } from './config';
import type { RunResult, TimedOut } from './runner';

/** Conversions between the bot's own shapes and the BotApi messages. */

export type RunningTaskWire = NonNullable<Hello['running']>[number];

export const TIMEOUT_KIND = {
  none: 'TIMEOUT_NONE',
  hard: 'TIMEOUT_HARD',
  io: 'TIMEOUT_IO',
} as const satisfies Record<TimedOut, string>;

export function dimensionsToWire(dims: Dimensions): StringListPair[] {
  return Object.entries(dims).map(([key, value]) => ({ key, value: [...value] }));
}

export function dimensionsFromWire(
  pairs: readonly { key: string; value: readonly string[] }[],
): Dimensions {
  const out: Record<string, readonly string[]> = {};
  for (const { key, value } of pairs) out[key] = [...value];
  return out;
}

export function taskFinishedToWire(taskId: string, leaseId: string, r: RunResult): TaskFinished {
  return {
    task_id: taskId,
    lease_id: leaseId,
    ...(r.exitCode === null ? {} : { exit_code: r.exitCode }),
    duration: r.durationSecs,
    timed_out: TIMEOUT_KIND[r.timedOut],
    killed: r.killed,
    canceled: r.canceled,
    output_size: r.outputSize,
    client_error: r.clientError ?? '',
    outputs: (r.outputs?.files ?? []).map((f) => ({ ...f })),
    outputs_truncated: r.outputs?.truncated ?? false,
    outputs_note: r.outputs?.note ?? '',
    // The cgroup's memory.events counted an oom_kill: the coordinator's summary says so.
    ...(r.memoryLimitKilled === true ? { memory_limit_killed: true } : {}),
    ...(r.inputsFetchSecs === undefined
      ? {}
      : {
          inputs_fetch_duration: r.inputsFetchSecs,
          inputs_fetched_bytes: r.inputsFetchedBytes ?? 0,
        }),
  };
}

/** The answer to a Kill for a task the bot does not hold: nothing runs, nothing will. */
export function canceledFinish(taskId: string, leaseId: string): TaskFinished {
  return taskFinishedToWire(taskId, leaseId, {
    exitCode: null,
    durationSecs: 0,
    timedOut: 'none',
    killed: true,
    canceled: true,
    outputSize: 0,
  });
}
