import {
  SEVEN_DAYS_MS,
  createTask,
  sliceDeadlineAtMs,
  transition,
  type PendingSummary,
  type Refusal,
  type Store,
  type Task,
  type TaskEffect,
  type TaskEvent,
  type TaskInsertExtras,
  type TaskNote,
  type TaskSpec,
  type TransitionOutcome,
} from '@drover/state';
import { traceHop } from '@drover/protocol';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Dispatcher } from './dispatcher';
import type { Fleet } from './fleet';
import { newTaskId } from './ids';
import { runEffects, waiting } from './task-effects';
import type { TaskTimers } from './task-timers';
import { Watchers } from './watchers';

/**
 * A committed change of a task's state; `from` is undefined for a new task. Emitted after the
 * store write, before effects run. Listeners must not throw (metrics, bot events, dashboards).
 */
export interface TaskTransition {
  readonly task: Task;
  readonly from: Task['state'] | undefined;
}

/** What a new task carries beside its spec. */
export interface SubmitExtras {
  /**
   * Seals the request's secret_bytes for the task of this id (secrets/secret-box.ts): stored
   * apart from the task, in its insert's transaction. Absent: none.
   */
  readonly sealSecret?: (taskId: string) => Uint8Array;
  /** The CAS blobs the task references (cas/cas-inputs.ts), stored in its insert's transaction. */
  readonly casReferences?: readonly string[];
}

export type ApplyOutcome = { readonly task: Task } | { readonly refused: Refusal | 'not-found' };

/** Times a conditional write may lose to another writer before apply gives up. */
const MAX_WRITE_ATTEMPTS = 10;

export interface TaskEngineDeps {
  readonly store: Store;
  readonly clock: () => number;
  readonly log: Logger;
  readonly fleet: Pick<Fleet, 'hasCapacity'>;
  readonly dispatcher: Dispatcher;
  readonly timers: TaskTimers;
  /**
   * This process is the store's only writer (SQLite, no change feed): RUNNING tasks are kept as
   * written, so a bot's reports apply without reading the task back. Only a cache: a stale entry
   * loses its conditional write and is read again.
   */
  readonly cacheRunning: boolean;
}

/**
 * The shell around the pure task state machine: creates tasks, and applies an event to a stored
 * task — read it, compute the transition, write it if the stored revision is still the one read
 * (else read again and decide again) — then runs the committed change's effects through the
 * dispatcher, the timers and the watchers.
 */
export class TaskEngine {
  /** Task changed (state or fields): WaitTask, dashboards. */
  readonly taskWatchers = new Watchers<Task>();
  /** Output grew: StreamOutput. The value is the new size. */
  readonly outputWatchers = new Watchers<number>();
  /**
   * 'transition': every committed state change (and every new task). Its listeners are the
   * coordinator's parts that follow every change — nine with every feature on (watch hub, graph,
   * webhooks, metrics, replicas, children, bot events, dashboard, fleet history) — never one per
   * request or stream (watch-tasks.test.ts checks): Node's default warning at 10 would cry leak
   * for the next part, so it warns past 32.
   */
  readonly events = new EventEmitter<{ transition: [TaskTransition] }>().setMaxListeners(32);
  /**
   * 'task': a change another coordinator sharing the store committed (already applied to this
   * replica's dispatcher, timers and bots by replicas/). Local changes are 'transition' only.
   */
  readonly remoteEvents = new EventEmitter<{ task: [TaskNote] }>();
  readonly #deps: TaskEngineDeps;
  readonly #store: Store;
  readonly #dispatcher: Dispatcher;
  readonly #timers: TaskTimers;
  /** RUNNING tasks as this process last wrote them (see TaskEngineDeps.cacheRunning). */
  readonly #running = new Map<string, Task>();
  #closed = false;

  constructor(deps: TaskEngineDeps) {
    this.#deps = deps;
    this.#store = deps.store;
    this.#dispatcher = deps.dispatcher;
    this.#timers = deps.timers;
  }

  /**
   * Rebuilds the dispatch index and the deadlines from the store (streamed: a million waiting
   * tasks take seconds); overdue tasks expire right away. Nothing is dispatched here: bots offer
   * themselves as they connect. `onPending` sees each waiting task of that one pass.
   */
  async start(onPending?: (entry: PendingSummary) => void): Promise<void> {
    const startedMs = this.#deps.clock();
    const pending = await this.#store.forEachPending((e) => {
      onPending?.(e);
      this.#dispatcher.load(e.taskId, e);
      this.#timers.expireAt(e.taskId, e.deadlineAtMs);
    });
    const running = await this.#store.listTasksInStates(['RUNNING']);
    for (const task of running) this.#timers.watchRunning(task);
    this.#deps.log.info(
      { pending, running: running.length, tookMs: this.#deps.clock() - startedMs },
      'task engine started',
    );
  }

  close(): void {
    this.#closed = true;
    this.#dispatcher.close();
    this.#timers.close();
  }

  /**
   * Creates a validated task: deduplicated (COMPLETED at once), PENDING in its first eligible
   * slice, or NO_RESOURCE. The same caller repeating a request_uuid within 7 days gets the
   * existing task back, unchanged.
   */
  async submit(spec: TaskSpec, extras?: SubmitExtras): Promise<{ task: Task; created: boolean }> {
    const nowMs = this.#deps.clock();
    const { task, effects } = await this.#create(spec, nowMs);
    const sealedSecret = extras?.sealSecret?.(task.id);
    // An idle bot here takes it at once: the task is stored already RUNNING, in one write.
    const taken = this.#dispatcher.takeAtCreation(task, nowMs);
    let inserted: Awaited<ReturnType<Store['insertTask']>>;
    try {
      inserted = await this.#store.insertTask(
        taken?.task ?? task,
        insertExtras(sealedSecret, extras?.casReferences),
      );
    } catch (err) {
      if (taken !== undefined) this.#dispatcher.undoTakeAtCreation(taken.botId, task.id);
      throw err;
    }
    if (!inserted.inserted) {
      if (taken !== undefined) this.#dispatcher.undoTakeAtCreation(taken.botId, task.id);
      return this.#existing(spec, inserted.existing);
    }
    traceHop(task.id, 'task-committed');
    this.#created(task);
    if (taken === undefined) {
      this.#runEffects(task, effects);
    } else {
      this.#committed(taken.task, 'PENDING', taken.effects);
    }
    return { task, created: true };
  }

  /**
   * Creates validated tasks in one store transaction (NewTasks): all of them or, when the store
   * fails, none. Each is decided as submit() decides, and taken at creation as submit() takes
   * one: a task an idle bot of this process takes is stored already RUNNING, in the batch's one
   * write; the other PENDING ones are queued for the dispatcher as a new task is.
   */
  async submitMany(
    specs: readonly TaskSpec[],
    extras?: readonly (SubmitExtras | undefined)[],
  ): Promise<{ task: Task; created: boolean }[]> {
    const nowMs = this.#deps.clock();
    const made = await Promise.all(specs.map((spec) => this.#create(spec, nowMs)));
    // In order: the batch's first tasks go to the idle bots first, as one NewTask each would. A
    // request_uuid repeated within the batch is no new task: it takes no bot.
    const uuids = new Set<string>();
    const taken = made.map(({ task }) => {
      if (task.spec.requestUuid !== '') {
        const key = `${task.spec.authenticated}\n${task.spec.requestUuid}`;
        if (uuids.has(key)) return undefined;
        uuids.add(key);
      }
      return this.#dispatcher.takeAtCreation(task, nowMs);
    });
    const undo = (i: number) => {
      const t = taken[i];
      if (t !== undefined) this.#dispatcher.undoTakeAtCreation(t.botId, made[i]!.task.id);
    };
    let outcomes: Awaited<ReturnType<Store['insertTasks']>>;
    try {
      outcomes = await this.#store.insertTasks(
        made.map(({ task }, i) => taken[i]?.task ?? task),
        made.map(({ task }, i) => {
          const sealedSecret = extras?.[i]?.sealSecret?.(task.id);
          return insertExtras(sealedSecret, extras?.[i]?.casReferences);
        }),
      );
    } catch (err) {
      made.forEach((_, i) => undo(i));
      throw err;
    }
    return made.map(({ task, effects }, i) => {
      const inserted = outcomes[i]!;
      if (!inserted.inserted) {
        undo(i);
        return this.#existing(task.spec, inserted.existing);
      }
      this.#created(task);
      const t = taken[i];
      if (t === undefined) this.#runEffects(task, effects);
      else this.#committed(t.task, 'PENDING', t.effects);
      return { task, created: true };
    });
  }

  /**
   * Applies an event to a stored task. The write is conditional on the revision read: when
   * another writer (an event of this process, another replica) changed the task meanwhile, the
   * task is read again and the state machine decides again on what is stored, so two events
   * racing on one task both take effect, each on what the other left.
   *
   * `folded`: an earlier report of the same task (a bot's TaskStarted queued before its
   * TaskFinished) applied first, in the same write: one conditional write for both, their effects
   * in order. Refused when either is: the caller then applies them one at a time.
   */
  async apply(taskId: string, event: TaskEvent, folded?: TaskEvent): Promise<ApplyOutcome> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const cached = attempt === 0 ? this.#running.get(taskId) : undefined;
      const task = cached ?? (await this.#store.getTask(taskId));
      if (task === undefined) return { refused: 'not-found' };
      const outcome = transitionFolded(task, folded, event, this.#deps.clock());
      if ('refused' in outcome) {
        // Decided on a cached task: decided again on the stored one, which may be newer.
        if (cached !== undefined) continue;
        return outcome;
      }
      if (outcome.task === task) return { task };
      let applied = false;
      try {
        applied = await this.#store.updateTask(outcome.task, {
          revision: task.revision,
          previous: task,
        });
      } finally {
        if (!applied) this.#running.delete(taskId);
      }
      if (!applied) continue;
      if (event.type === 'finish') traceHop(taskId, 'result-committed');
      this.#committed(outcome.task, task.state, outcome.effects);
      return { task: outcome.task };
    }
    throw new Error(`task ${taskId}: conditional write kept losing to other writers`);
  }

  /**
   * The task's stored output grew to `size` bytes (its bot's Output, here or on another replica):
   * StreamOutput followers hear it, and the cached task counts it.
   */
  outputGrew(taskId: string, size: number): void {
    const task = this.#running.get(taskId);
    if (task !== undefined && task.outputSize < size) {
      this.#running.set(taskId, { ...task, outputSize: size });
    }
    this.outputWatchers.notify(taskId, size);
  }

  /**
   * A RUNNING task this process did not write (a bot reconnecting with it, maybe from a replica
   * that died): its backstop is watched here, and it is cached unless a newer write is.
   */
  adopt(task: Task): void {
    const known = this.#running.get(task.id);
    if (known === undefined || known.revision < task.revision) this.#cache(task);
    this.#timers.watchRunning(task);
  }

  /** Puts a task back in the dispatch index as the store has it, if it is still waiting. */
  async requeue(taskId: string): Promise<void> {
    try {
      const task = await this.#store.getTask(taskId);
      if (task === undefined || task.state !== 'PENDING' || this.#closed) return;
      if (this.#dispatcher.isWaiting(taskId)) return;
      this.#dispatcher.enqueue(taskId, waiting(task, task.currentSlice));
      this.#timers.expireAt(
        taskId,
        sliceDeadlineAtMs(task.spec, task.createdAtMs, task.currentSlice),
      );
    } catch (err) {
      this.#deps.log.error({ err, taskId }, 'putting a task back in the queue failed');
    }
  }

  /** A new task as the state machine makes it from `spec` now (not stored yet). */
  async #create(
    spec: TaskSpec,
    nowMs: number,
  ): Promise<{ task: Task; effects: readonly TaskEffect[] }> {
    const capacity = spec.slices.map((s) => this.#deps.fleet.hasCapacity(s.properties.dimensions));
    const dedupSources = await Promise.all(
      spec.slices.map((s) =>
        // A task with secret bytes is never deduplicated (create-task.ts ignores sources too).
        s.properties.idempotent && spec.hasSecretBytes !== true
          ? this.#store.findDedupSource(s.propertiesHash, nowMs - SEVEN_DAYS_MS)
          : Promise.resolve(undefined),
      ),
    );
    return createTask({ id: newTaskId(nowMs), spec, nowMs, capacity, dedupSources });
  }

  /** The store returned the task an earlier request with the same request_uuid made. */
  #existing(spec: TaskSpec, existing: Task): { task: Task; created: false } {
    this.#deps.log.info(
      { taskId: existing.id, requestUuid: spec.requestUuid },
      'request_uuid seen before: returning the existing task',
    );
    return { task: existing, created: false };
  }

  /** A new task was stored: said in the log and to transition listeners. */
  #created(task: Task): void {
    this.#deps.log.info(
      {
        taskId: task.id,
        state: task.state,
        slice: task.currentSlice,
        name: task.spec.name,
        dedupedFrom: task.dedupedFrom ?? undefined,
      },
      'task created',
    );
    this.events.emit('transition', { task, from: undefined });
  }

  /** A change of a stored task was written: cached, logged, told, and its effects run. */
  #committed(task: Task, from: Task['state'], effects: readonly TaskEffect[]): void {
    this.#cache(task);
    if (task.state !== from) {
      this.#deps.log.info(
        { taskId: task.id, from, to: task.state, botId: task.botId ?? undefined },
        'task state changed',
      );
      this.events.emit('transition', { task, from });
    }
    this.#runEffects(task, effects);
  }

  #cache(task: Task): void {
    if (this.#deps.cacheRunning && task.state === 'RUNNING') this.#running.set(task.id, task);
    else this.#running.delete(task.id);
  }

  #runEffects(task: Task, effects: readonly TaskEffect[]): void {
    runEffects(task, effects, {
      dispatcher: this.#dispatcher,
      timers: this.#timers,
      watchers: this.taskWatchers,
      log: this.#deps.log,
    });
  }
}

/** What an insert stores beside the task: its sealed secret, its CAS references. */
function insertExtras(
  sealedSecret: Uint8Array | undefined,
  casReferences: readonly string[] | undefined,
): TaskInsertExtras | undefined {
  if (sealedSecret === undefined && (casReferences === undefined || casReferences.length === 0)) {
    return undefined;
  }
  return {
    ...(sealedSecret === undefined ? {} : { sealedSecret }),
    ...(casReferences === undefined || casReferences.length === 0 ? {} : { casReferences }),
  };
}

/**
 * `event` applied after `folded` (if any) as one successor: one revision past `task`, the
 * effects of both in order; refused when either is.
 */
function transitionFolded(
  task: Task,
  folded: TaskEvent | undefined,
  event: TaskEvent,
  nowMs: number,
): TransitionOutcome {
  if (folded === undefined) return transition(task, event, nowMs);
  const first = transition(task, folded, nowMs);
  if ('refused' in first) return first;
  const second = transition(first.task, event, nowMs);
  if ('refused' in second) return second;
  if (second.task === task) return second;
  return {
    task: { ...second.task, revision: task.revision + 1 },
    effects: [...first.effects, ...second.effects],
  };
}
