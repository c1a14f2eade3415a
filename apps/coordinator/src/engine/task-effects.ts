import type { Task, TaskEffect } from '@drover/state';
import type { Logger } from 'pino';
import { inputTreeOf, type Dispatcher, type WaitingTask } from './dispatcher';
import type { TaskTimers } from './task-timers';
import type { Watchers } from './watchers';

/** Where a committed change's effects go. */
export interface EffectTargets {
  readonly dispatcher: Dispatcher;
  readonly timers: TaskTimers;
  readonly watchers: Watchers<Task>;
  readonly log: Logger;
}

/**
 * Runs what a committed change of `task` asks for (the pure transition's effects): the
 * dispatcher queues, dequeues, assigns, kills and frees bots; the timers follow the task's
 * deadlines; watchers hear the change.
 */
export function runEffects(task: Task, effects: readonly TaskEffect[], to: EffectTargets): void {
  const { dispatcher, timers, log } = to;
  if (task.state === 'RUNNING') timers.watchRunning(task);
  else timers.cancelBackstop(task.id);
  for (const effect of effects) {
    switch (effect.type) {
      case 'notify':
        to.watchers.notify(task.id, task);
        break;
      case 'enqueue':
        dispatcher.enqueue(task.id, waiting(task, effect.slice));
        break;
      case 'dequeue':
        dispatcher.dequeue(task.id);
        timers.cancelExpiry(task.id);
        break;
      case 'schedule-expiry':
        timers.expireAt(task.id, effect.atMs);
        break;
      case 'assign':
        if (!dispatcher.assign(task, effect.botId, effect.leaseId)) {
          // The bot vanished between claim and push; reconciliation at its next Hello (or the
          // ping tolerance) ends the task as BOT_DIED.
          log.warn({ taskId: task.id, botId: effect.botId }, 'assigned bot has no session');
        }
        break;
      case 'kill':
        if (!dispatcher.kill(effect.botId, task.id, effect.leaseId, effect.reason)) {
          // Asked again when the bot reconnects (see BotSession's reconciliation).
          log.info({ taskId: task.id, botId: effect.botId }, 'kill deferred: bot offline');
        }
        break;
      case 'release-bot':
        dispatcher.release(effect.botId, task.id);
        break;
      default: {
        const never: never = effect;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
}

/** The task as it waits in `slice`, for the dispatcher. */
export function waiting(task: Task, slice: number): WaitingTask {
  return {
    priority: task.spec.priority,
    createdAtMs: task.createdAtMs,
    dimensions: task.spec.slices[slice]!.properties.dimensions,
    terminate: task.spec.terminate !== undefined,
    inputTree: inputTreeOf(task.spec.slices[slice]!.properties),
  };
}
