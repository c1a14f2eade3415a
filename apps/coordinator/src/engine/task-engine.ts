import type { CoordinatorMessage } from '@drover/protocol';
import {
  DispatchIndex,
  SEVEN_DAYS_MS,
  createTask,
  runningBackstopAtMs,
  isFinalState,
  transition,
  type BotDimensionMap,
  type KeyValue,
  type PendingSummary,
  type Refusal,
  type Store,
  type Task,
  type TaskEffect,
  type TaskEvent,
  type TaskSpec,
} from '@drover/state';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { dispatchMessage, terminationTarget } from './dispatch-message';
import { newLeaseId, newTaskId } from './ids';
import { DeadlineTimer } from './deadline-timer';
import { Watchers } from './watchers';
import { WorkQueue } from './work-queue';

/** What the engine needs from the fleet: capacity and a way to reach a connected bot. */
export interface Fleet {
  /** Some known bot (connected, or seen within the death timeout) could run these dimensions. */
  hasCapacity(dimensions: readonly KeyValue[]): boolean;
  /** Sends a message to a connected bot; false when it has no live session. */
  send(botId: string, message: CoordinatorMessage): boolean;
  /** The dimensions of an idle, connected bot (for the dispatch index). */
  dimensionsOf(botId: string): BotDimensionMap | undefined;
  /**
   * The dimensions of a connected bot even if it takes no tasks (quarantined, in maintenance):
   * a termination task still reaches it.
   */
  reachableDimensionsOf(botId: string): BotDimensionMap | undefined;
}

/**
 * A committed change of a task's state; `from` is undefined for a new task. Emitted after the
 * store write, before effects run. Listeners must not throw (metrics, bot events, dashboards).
 */
export interface TaskTransition {
  readonly task: Task;
  readonly from: Task['state'] | undefined;
}

/**
 * Dispatch work: a new task (with the dimensions of the slice it waits in), an idle bot, or a bot
 * whose termination task may go now.
 */
type WorkItem =
  | TaskWorkItem
  | { readonly kind: 'bot'; readonly id: string }
  | { readonly kind: 'termination'; readonly id: string };

interface TaskWorkItem {
  readonly kind: 'task';
  readonly id: string;
  readonly dimensions: readonly KeyValue[];
}

export type ApplyOutcome = { readonly task: Task } | { readonly refused: Refusal | 'not-found' };

/**
 * The shell around the pure task state machine: loads a task, computes the transition, commits it
 * with a conditional write, then runs the effects (dispatch index, timers, pushes to bots,
 * watchers). All dispatching goes through one pump so that a bot or task is never claimed twice
 * by this process; the store's conditional writes guard against everyone else.
 */
export class TaskEngine {
  /** Task changed (state or fields): WaitTask, dashboards. */
  readonly taskWatchers = new Watchers<Task>();
  /** Output grew: StreamOutput. The value is the new size. */
  readonly outputWatchers = new Watchers<number>();
  /** 'transition': every committed state change (and every new task). */
  readonly events = new EventEmitter<{ transition: [TaskTransition] }>();
  readonly #index = new DispatchIndex();
  /** Bot → the task it holds or is being given. The single source of "busy" in this process. */
  readonly #busy = new Map<string, string>();
  /** Bot → its PENDING termination task (TerminateBot): offered even to unavailable bots. */
  readonly #terminations = new Map<string, string>();
  /** PENDING task → its current slice's deadline, all on one timer. */
  readonly #expiries: DeadlineTimer;
  /** RUNNING task → its backstop (started + execution timeout + grace + tolerance). */
  readonly #backstops: DeadlineTimer;
  readonly #pingToleranceMs: number;
  readonly #store: Store;
  readonly #clock: () => number;
  readonly #log: Logger;
  #fleet: Fleet | undefined;
  readonly #work = new WorkQueue<WorkItem>();
  /**
   * Task → its newest 'task' work item while that is queued: an item left behind by a change of
   * slice (dequeue, enqueue with other dimensions) is no longer this one and is skipped.
   */
  readonly #taskItems = new Map<string, TaskWorkItem>();
  #pumping = false;
  #closed = false;

  constructor(deps: { store: Store; clock: () => number; log: Logger; pingToleranceMs: number }) {
    this.#pingToleranceMs = deps.pingToleranceMs;
    this.#expiries = new DeadlineTimer(deps.clock, (taskId) => void this.#expire(taskId));
    this.#backstops = new DeadlineTimer(deps.clock, (taskId) => void this.#backstop(taskId));
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#log = deps.log;
  }

  attachFleet(fleet: Fleet): void {
    this.#fleet = fleet;
  }

  get store(): Store {
    return this.#store;
  }

  /**
   * Rebuilds the dispatch index and the expiry deadlines from the store (streamed: a million
   * waiting tasks take seconds, not minutes); overdue tasks expire right away. Nothing is
   * dispatched here: bots offer themselves as they connect. `onPending` sees each waiting task of
   * that one pass (metrics count them without a second scan).
   */
  async start(onPending?: (entry: PendingSummary) => void): Promise<void> {
    const startedMs = this.#clock();
    const pending = await this.#store.forEachPending((e) => {
      onPending?.(e);
      const target = terminationTarget(e.terminate, e.dimensions);
      if (target !== undefined) this.#terminations.set(target, e.taskId);
      this.#index.addPending({
        taskId: e.taskId,
        priority: e.priority,
        createdAtMs: e.createdAtMs,
        dimensions: e.dimensions,
      });
      this.#expiries.schedule(e.taskId, e.deadlineAtMs);
    });
    const running = await this.#store.listTasksInStates(['RUNNING']);
    for (const task of running) this.#scheduleBackstop(task);
    this.#log.info(
      { pending, running: running.length, tookMs: this.#clock() - startedMs },
      'task engine started',
    );
  }

  close(): void {
    this.#closed = true;
    this.#expiries.close();
    this.#backstops.close();
  }

  /**
   * Creates a validated task: deduplicated (COMPLETED at once), PENDING in its first eligible
   * slice, or NO_RESOURCE. The same caller repeating a request_uuid within 7 days gets the
   * existing task back, unchanged.
   */
  async submit(spec: TaskSpec): Promise<{ task: Task; created: boolean }> {
    const nowMs = this.#clock();
    const capacity = spec.slices.map((s) => this.#hasCapacity(s.properties.dimensions));
    const dedupSources = await Promise.all(
      spec.slices.map((s) =>
        s.properties.idempotent
          ? this.#store.findDedupSource(s.propertiesHash, nowMs - SEVEN_DAYS_MS)
          : Promise.resolve(undefined),
      ),
    );
    const { task, effects } = createTask({
      id: newTaskId(nowMs),
      spec,
      nowMs,
      capacity,
      dedupSources,
    });
    const inserted = await this.#store.insertTask(task);
    if (!inserted.inserted) {
      this.#log.info(
        { taskId: inserted.existing.id, requestUuid: spec.requestUuid },
        'request_uuid seen before: returning the existing task',
      );
      return { task: inserted.existing, created: false };
    }
    this.#log.info(
      {
        taskId: task.id,
        state: task.state,
        slice: task.currentSlice,
        name: spec.name,
        dedupedFrom: task.dedupedFrom ?? undefined,
      },
      'task created',
    );
    this.events.emit('transition', { task, from: undefined });
    this.#runEffects(task, effects);
    return { task, created: true };
  }

  /**
   * Applies an event to a stored task. A conditional write that loses a race is retried on the
   * fresh task, where the state machine decides again.
   */
  async apply(taskId: string, event: TaskEvent): Promise<ApplyOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const task = await this.#store.getTask(taskId);
      if (task === undefined) return { refused: 'not-found' };
      const nowMs = this.#clock();
      const outcome = transition(task, event, nowMs);
      if ('refused' in outcome) return outcome;
      if (outcome.task === task) return { task };
      const applied = await this.#store.updateTask(outcome.task, {
        state: task.state,
        leaseId: task.leaseId,
      });
      if (!applied) continue;
      if (outcome.task.state !== task.state) {
        this.#log.info(
          {
            taskId,
            from: task.state,
            to: outcome.task.state,
            botId: outcome.task.botId ?? undefined,
          },
          'task state changed',
        );
        this.events.emit('transition', { task: outcome.task, from: task.state });
      }
      this.#runEffects(outcome.task, outcome.effects);
      return { task: outcome.task };
    }
    throw new Error(`task ${taskId}: conditional write kept losing races`);
  }

  /**
   * A connected bot has nothing to run: offer it the best waiting task. Ignored while the engine
   * knows the bot holds (or is being given) a task.
   */
  botIdle(botId: string, dimensions: BotDimensionMap): void {
    if (this.#busy.has(botId)) return;
    this.#index.setBotIdle(botId, dimensions);
    this.#kick({ kind: 'bot', id: botId });
  }

  /**
   * A connected bot holding nothing, available or not: if a termination task waits for it, it is
   * dispatched now (a quarantined or in-maintenance bot can still be terminated).
   */
  offerTermination(botId: string): void {
    if (this.#terminations.has(botId) && !this.#busy.has(botId))
      this.#kick({ kind: 'termination', id: botId });
  }

  /** The bot's PENDING termination task, if any (TerminateBot returns it again). */
  terminationOf(botId: string): string | undefined {
    return this.#terminations.get(botId);
  }

  /** The bot is gone or asked for no tasks: no longer a dispatch target. */
  botUnavailable(botId: string): void {
    this.#index.removeBot(botId);
  }

  /** The bot reconnected still holding this task: it is busy until the task ends. */
  markBusy(botId: string, taskId: string): void {
    this.#busy.set(botId, taskId);
    this.#index.removeBot(botId);
  }

  /** Whether the engine knows the bot holds a task (or a claim for it is in flight). */
  isBotBusy(botId: string): boolean {
    return this.#busy.has(botId);
  }

  /** The task the engine knows the bot holds (or is being given), if any. */
  taskOf(botId: string): string | undefined {
    return this.#busy.get(botId);
  }

  get pendingCount(): number {
    return this.#index.pendingCount;
  }

  #hasCapacity(dimensions: readonly KeyValue[]): boolean {
    return this.#fleet?.hasCapacity(dimensions) ?? false;
  }

  #runEffects(task: Task, effects: readonly TaskEffect[]): void {
    if (task.state === 'RUNNING') {
      this.#scheduleBackstop(task);
    } else {
      this.#clearBackstop(task.id);
    }
    if (task.spec.terminate !== undefined && task.state !== 'PENDING') {
      for (const [botId, taskId] of this.#terminations)
        if (taskId === task.id) this.#terminations.delete(botId);
    }
    for (const effect of effects) {
      switch (effect.type) {
        case 'notify':
          this.taskWatchers.notify(task.id, task);
          break;
        case 'enqueue':
          this.#enqueue(task, effect.slice);
          break;
        case 'dequeue':
          this.#taskItems.delete(task.id);
          this.#index.removePending(task.id);
          this.#clearExpiry(task.id);
          break;
        case 'schedule-expiry':
          this.#scheduleExpiry(task.id, effect.atMs);
          break;
        case 'assign': {
          const sent = this.#fleet?.send(effect.botId, dispatchMessage(task, effect.leaseId));
          if (sent !== true) {
            // The bot vanished between claim and push; reconciliation at its next Hello (or the
            // ping tolerance) ends the task as BOT_DIED.
            this.#log.warn({ taskId: task.id, botId: effect.botId }, 'assigned bot has no session');
          }
          break;
        }
        case 'kill': {
          const sent = this.#fleet?.send(effect.botId, {
            kill: { task_id: task.id, lease_id: effect.leaseId, reason: effect.reason },
          });
          if (sent !== true) {
            // Sent again when the bot reconnects (see BotSession reconcile).
            this.#log.info({ taskId: task.id, botId: effect.botId }, 'kill deferred: bot offline');
          }
          break;
        }
        case 'release-bot': {
          if (this.#busy.get(effect.botId) !== task.id) break;
          this.#busy.delete(effect.botId);
          if (this.#terminations.has(effect.botId)) {
            this.offerTermination(effect.botId);
            break;
          }
          const dims = this.#fleet?.dimensionsOf(effect.botId);
          if (dims !== undefined) this.botIdle(effect.botId, dims);
          break;
        }
        default: {
          const never: never = effect;
          throw new Error(`unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
  }

  #enqueue(task: Task, slice: number): void {
    const dimensions = task.spec.slices[slice]!.properties.dimensions;
    this.#index.addPending({
      taskId: task.id,
      priority: task.spec.priority,
      createdAtMs: task.createdAtMs,
      dimensions,
    });
    const item: TaskWorkItem = { kind: 'task', id: task.id, dimensions };
    this.#taskItems.set(task.id, item);
    this.#kick(item);
    const target = terminationTarget(task.spec.terminate !== undefined, dimensions);
    if (target !== undefined) {
      // Also offered to its bot directly: it may take no other task (quarantine, maintenance).
      this.#terminations.set(target, task.id);
      this.offerTermination(target);
    }
  }

  #scheduleExpiry(taskId: string, atMs: number): void {
    if (!this.#closed) this.#expiries.schedule(taskId, atMs);
  }

  #scheduleBackstop(task: Task): void {
    const atMs = runningBackstopAtMs(task, this.#pingToleranceMs);
    if (atMs !== null && !this.#closed) this.#backstops.schedule(task.id, atMs);
  }

  #clearBackstop(taskId: string): void {
    this.#backstops.cancel(taskId);
  }

  /** A RUNNING task reached its backstop: BOT_DIED, even if its bot still pings. */
  async #backstop(taskId: string): Promise<void> {
    try {
      const task = await this.#store.getTask(taskId);
      if (task === undefined || task.state !== 'RUNNING') return;
      await this.apply(taskId, {
        type: 'bot-died',
        leaseId: task.leaseId ?? '',
        reason: 'still running past its execution timeout + grace period + bot ping tolerance',
      });
    } catch (err) {
      this.#log.error({ err, taskId }, 'backstop failed');
    }
  }

  #clearExpiry(taskId: string): void {
    this.#expiries.cancel(taskId);
  }

  async #expire(taskId: string): Promise<void> {
    try {
      const task = await this.#store.getTask(taskId);
      if (task === undefined || task.state !== 'PENDING') return;
      const capacity = task.spec.slices.map((s) => this.#hasCapacity(s.properties.dimensions));
      await this.apply(taskId, { type: 'expire', capacity });
    } catch (err) {
      this.#log.error({ err, taskId }, 'expiring a task failed');
    }
  }

  #kick(item: WorkItem): void {
    this.#work.push(item);
    if (!this.#pumping) void this.#pump();
  }

  /** The only dispatcher: pairs waiting tasks with idle bots, one claim at a time. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#work.length > 0 && !this.#closed) {
        const item = this.#work.shift()!;
        try {
          await this.#dispatchOne(item);
        } catch (err) {
          this.#log.error({ err, item }, 'dispatch failed');
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #dispatchOne(item: WorkItem): Promise<void> {
    let taskId: string | undefined;
    let botId: string | undefined;
    if (item.kind === 'termination') {
      const pending = this.#terminations.get(item.id);
      if (pending === undefined || !this.#index.hasPending(pending)) return;
      await this.#claim(pending, item.id, true);
      return;
    }
    if (item.kind === 'bot') {
      botId = item.id;
      taskId = this.#index.taskForBot(botId)?.taskId;
    } else {
      // The task's newest item and still queued: PENDING in the slice this item names, as far as
      // this process knows (changes of slice or state come through #runEffects, which dequeues
      // or re-enqueues), so no store read; the claim's conditional write checks it.
      if (this.#taskItems.get(item.id) !== item) return;
      this.#taskItems.delete(item.id);
      if (!this.#index.hasPending(item.id)) return;
      taskId = item.id;
      botId = this.#index.botForTask(item.dimensions);
    }
    if (taskId === undefined || botId === undefined) return;
    await this.#claim(taskId, botId);
  }

  async #claim(taskId: string, botId: string, termination = false): Promise<void> {
    // Reserve the bot before the await so nothing else proposes it meanwhile.
    this.#index.removeBot(botId);
    const dims = termination
      ? this.#fleet?.reachableDimensionsOf(botId)
      : this.#fleet?.dimensionsOf(botId);
    if (dims === undefined || this.#busy.has(botId)) return;
    this.#busy.set(botId, taskId);
    let claimed = false;
    try {
      const botDimensions = [...dims].map(([key, values]) => ({ key, values: [...values] }));
      const outcome = await this.apply(taskId, {
        type: 'dispatch',
        botId,
        botDimensions,
        leaseId: newLeaseId(),
      });
      claimed = !('refused' in outcome);
      // Refused: the task changed under us (cancelled, expired) and leaves the queue.
      if (!claimed) this.#index.removePending(taskId);
    } finally {
      if (!claimed) {
        this.#busy.delete(botId);
        const still = this.#fleet?.dimensionsOf(botId);
        if (still !== undefined) this.botIdle(botId, still);
      }
    }
  }

  /** Whether a stored task is final; for callers holding only an id. */
  static isFinal(task: Task): boolean {
    return isFinalState(task.state);
  }
}
