import type { Store } from '@drover/state';
import type { Logger } from 'pino';
import type { TaskSecrets } from '../secrets/task-secrets';
import type { LoopStalls } from '../stalls/loop-stalls';
import { Dispatcher } from './dispatcher';
import type { Fleet } from './fleet';
import { TaskEngine } from './task-engine';
import { TaskTimers } from './task-timers';

/** The task engine with the dispatcher and timers it drives, which call back into it. */
export interface TaskCore {
  readonly engine: TaskEngine;
  readonly dispatcher: Dispatcher;
  readonly timers: TaskTimers;
}

/** Wires the engine, the dispatcher and the timers over one store and one fleet. */
export function assembleTaskCore(deps: {
  readonly store: Store;
  readonly fleet: Fleet;
  readonly clock: () => number;
  readonly log: Logger;
  /** The coordinator's --bot-ping-tolerance. */
  readonly pingToleranceMs: number;
  readonly stalls?: LoopStalls;
  /** See TaskEngineDeps.cacheRunning. */
  readonly cacheRunning: boolean;
  /** Tasks' secret bytes, opened for their Assign; absent: tasks with them cannot run. */
  readonly secrets?: TaskSecrets;
  /** See DispatcherDeps.inputAffinity. @default true */
  readonly inputAffinity?: boolean;
}): TaskCore {
  const { store, fleet, clock, log, pingToleranceMs } = deps;
  const dispatcher: Dispatcher = new Dispatcher({
    fleet,
    log,
    pingToleranceMs,
    claim: (taskId, event) => engine.apply(taskId, event),
    requeue: (taskId) => void engine.requeue(taskId),
    held: (task) => engine.adopt(task),
    secretBytes: (taskId) =>
      deps.secrets === undefined
        ? Promise.reject(new Error('no secret key is configured'))
        : deps.secrets.open(taskId),
    secretFailed: (task, leaseId, reason) =>
      void engine
        .apply(task.id, {
          type: 'finish',
          leaseId,
          exitCode: null,
          durationSecs: 0,
          timedOut: 'none',
          killed: false,
          canceled: false,
          clientError: reason,
        })
        .catch((err: unknown) =>
          log.error({ err, taskId: task.id }, 'ending a task whose secret failed'),
        ),
    inputAffinity: deps.inputAffinity ?? true,
  });
  const timers: TaskTimers = new TaskTimers({
    store,
    clock,
    log,
    pingToleranceMs,
    stalls: deps.stalls,
    hasCapacity: (dimensions) => fleet.hasCapacity(dimensions),
    apply: (taskId, event) => engine.apply(taskId, event),
    forget: (taskId) => dispatcher.dequeue(taskId),
  });
  const engine: TaskEngine = new TaskEngine({
    store,
    clock,
    log,
    fleet,
    dispatcher,
    timers,
    cacheRunning: deps.cacheRunning,
  });
  return { engine, dispatcher, timers };
}
