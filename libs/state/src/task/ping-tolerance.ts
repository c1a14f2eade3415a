import type { Task } from './types';

/**
 * How long the bot running `task` may be silent before the task is BOT_DIED: its current slice's
 * own bot_ping_tolerance_secs, else the coordinator's `defaultMs` (--bot-ping-tolerance). As in
 * Swarming, while the bot runs the task it is the task's value that judges the bot.
 */
export function taskPingToleranceMs(task: Task, defaultMs: number): number {
  const secs = task.spec.slices[task.currentSlice]?.properties.botPingToleranceSecs;
  return secs === undefined ? defaultMs : secs * 1000;
}

/**
 * The silence a bot running `tasks` is allowed before anything is done about it: the smallest of
 * their tolerances (a bot runs one task at a time; more is a transient), the coordinator's
 * `defaultMs` for an idle bot.
 */
export function botPingToleranceMs(tasks: readonly Task[], defaultMs: number): number {
  if (tasks.length === 0) return defaultMs;
  return Math.min(...tasks.map((t) => taskPingToleranceMs(t, defaultMs)));
}

/**
 * Of a silent bot's `tasks`, those its silence has outlasted (BOT_DIED now) and those whose own
 * tolerance is longer (`waiting`, watched on, with the least silence still allowed among them).
 */
export function judgeTasksOfSilentBot(
  tasks: readonly Task[],
  silentMs: number,
  defaultMs: number,
): { readonly died: readonly Task[]; readonly waiting: readonly Task[] } {
  const died: Task[] = [];
  const waiting: Task[] = [];
  for (const task of tasks) {
    (taskPingToleranceMs(task, defaultMs) <= silentMs ? died : waiting).push(task);
  }
  return { died, waiting };
}
