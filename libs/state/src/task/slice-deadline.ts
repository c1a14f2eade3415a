import { taskPingToleranceMs } from './ping-tolerance';
import type { Task, TaskSpec } from './types';

/** Deadline of slice `index`: created + Σ expiration_secs of slices 0..index (DESIGN.md §2). */
export function sliceDeadlineAtMs(spec: TaskSpec, createdAtMs: number, index: number): number {
  let totalSecs = 0;
  for (let i = 0; i <= index && i < spec.slices.length; i++) {
    totalSecs += spec.slices[i]!.expirationSecs;
  }
  return createdAtMs + totalSecs * 1000;
}

/**
 * The backstop for a RUNNING task (DESIGN.md §2): started + execution_timeout + grace + the bot
 * ping tolerance (the task's own, else `defaultPingToleranceMs`). Past it the task is BOT_DIED
 * even if its bot still pings.
 */
export function runningBackstopAtMs(task: Task, defaultPingToleranceMs: number): number | null {
  if (task.state !== 'RUNNING' || task.startedAtMs === null) return null;
  const props = task.spec.slices[task.currentSlice]?.properties;
  if (props === undefined) return null;
  return (
    task.startedAtMs +
    (props.executionTimeoutSecs + props.gracePeriodSecs) * 1000 +
    taskPingToleranceMs(task, defaultPingToleranceMs)
  );
}
