import { taskPoolOf, type Task } from '@drover/state';

/** A task as the dashboard's lists and live updates show it (times in ms since the epoch). */
export interface TaskSummary {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly pool: string;
  readonly botId: string;
  readonly user: string;
  readonly priority: number;
  readonly tags: readonly string[];
  readonly createdAtMs: number;
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
  readonly modifiedAtMs: number;
  readonly durationSecs: number | null;
  readonly exitCode: number | null;
  readonly failure: boolean;
  readonly internalFailure: boolean;
  readonly killRequested: boolean;
  readonly dedupedFrom: string;
  readonly outputSize: number;
  readonly summary: string;
}

export function summarizeTask(task: Task): TaskSummary {
  return {
    id: task.id,
    name: task.spec.name,
    state: task.state,
    pool: taskPoolOf(task.spec),
    botId: task.botId ?? '',
    user: task.spec.user,
    priority: task.spec.priority,
    tags: task.spec.tags,
    createdAtMs: task.createdAtMs,
    startedAtMs: task.startedAtMs,
    completedAtMs: task.completedAtMs,
    modifiedAtMs: task.modifiedAtMs,
    durationSecs: task.durationSecs,
    exitCode: task.exitCode,
    failure: task.failure,
    internalFailure: task.internalFailure,
    killRequested: task.killRequestedAtMs !== null,
    dedupedFrom: task.dedupedFrom ?? '',
    outputSize: task.outputSize,
    summary: task.summary,
  };
}

/** A deduplicated task shows the output of the task it was deduplicated from. */
export function outputOwner(task: Task): string {
  return task.dedupedFrom ?? task.id;
}
