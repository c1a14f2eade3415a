import type { CoordinatorMessage } from '@drover/protocol';
import {
  DispatchIndex,
  SEVEN_DAYS_MS,
  createTask,
  runningBackstopAtMs,
  sliceDeadlineAtMs,
  taskPingToleranceMs,
  isFinalState,
  taskNote,
  transition,
  type BotDimensionMap,
  type KeyValue,
  type PendingSummary,
  type Refusal,
  type Store,
  type Task,
  type TaskEffect,
  type TaskEvent,
  type TaskNote,
  type TaskSpec,
} from '@drover/state';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { dispatchMessage, terminationTarget } from './dispatch-message';
import { newLeaseId, newTaskId } from './ids';
import { DeadlineTimer } from './deadline-timer';
import { afterPendingInput, type LoopStalls } from '../stalls/loop-stalls';
import { judgeSilence } from '../stalls/silence';
import { Watchers } from './watchers';
import { WorkQueue } from './work-queue';

/** Claims in flight at once (see TaskEngine#pump). */
const MAX_CLAIMS = 32;
/**
 * A bot whose claim failed in the store (its disk full, say) is offered again after this long,
 * not at once: at once, an idle bot and a waiting task would retry the failing write in a loop.
 */
const CLAIM_RETRY_AFTER_STORE_FAILURE_MS = 1_000;

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
  /**
   * 'task': a change another coordinator sharing the store committed (already applied to this
   * replica's index, timers and bots). Local changes are 'transition' events only.
   */
  readonly remoteEvents = new EventEmitter<{ task: [TaskNote] }>();
  /** Tasks whose kill, asked on another replica, this one already pushed to its bot. */
  readonly #remoteKills = new Set<string>();
  /**
   * Tasks this process is giving to a bot whose Assign is not sent yet (the claim's write is in
   * flight), and the kills other replicas asked for them meanwhile: sent right after the Assign,
   * never before it (the bot would ignore a kill for a task it does not know yet).
   */
  readonly #awaitingAssign = new Set<string>();
  readonly #killsAfterAssign = new Map<string, string>();
  readonly #index = new DispatchIndex();
  /** Bot → the task it holds or is being given. The single source of "busy" in this process. */
  readonly #busy = new Map<string, string>();
  /** Bot → the ping tolerance of the task it holds, when that task was at hand (issue 21). */
  readonly #busyToleranceMs = new Map<string, number>();
  /** Bot → its PENDING termination task (TerminateBot): offered even to unavailable bots. */
  readonly #terminations = new Map<string, string>();
  /** PENDING task → its current slice's deadline, all on one timer. */
  readonly #expiries: DeadlineTimer;
  /** RUNNING task → its backstop (started + execution timeout + grace + tolerance). */
  readonly #backstops: DeadlineTimer;
  readonly #pingToleranceMs: number;
  /** This process's own stalls: a backstop does not count them (issue 17). */
  readonly #stalls: LoopStalls | undefined;
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
  /**
   * RUNNING tasks as this process last wrote them, when it is the store's only writer (no change
   * feed): a bot's reports apply without reading the task back. Bounded by the running tasks.
   */
  readonly #written = new Map<string, Task>();
  readonly #onlyWriter: boolean;
  /**
   * Task → the tail of its events being applied: one at a time per task, each on the task as the
   * one before left it. (A conditional write checks only state and lease: two events applied at
   * once to a RUNNING task — a TaskStarted and a cancel — would both pass, the later undoing the
   * earlier.) Other replicas' writes are still only guarded by the conditional write.
   */
  readonly #applying = new Map<string, Promise<unknown>>();
  /** Claims in flight (each has reserved its bot and its task before its first await). */
  #claims = 0;
  #closed = false;

  constructor(deps: {
    store: Store;
    clock: () => number;
    log: Logger;
    pingToleranceMs: number;
    stalls?: LoopStalls;
  }) {
    this.#pingToleranceMs = deps.pingToleranceMs;
    this.#stalls = deps.stalls;
    this.#expiries = new DeadlineTimer(deps.clock, (taskId) => void this.#expire(taskId));
    this.#backstops = new DeadlineTimer(deps.clock, (taskId) => void this.#backstop(taskId));
    this.#store = deps.store;
    this.#onlyWriter = deps.store.changes === undefined;
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
    const { task, effects } = await this.#create(spec, nowMs);
    // An idle bot here takes it at once: the task is stored already RUNNING, in one write.
    const dispatched = this.#dispatchAtCreation(task, nowMs);
    let inserted: Awaited<ReturnType<Store['insertTask']>>;
    try {
      inserted = await this.#store.insertTask(dispatched?.task ?? task);
    } catch (err) {
      if (dispatched !== undefined) this.#undoDispatchAtCreation(dispatched.botId, task.id);
      throw err;
    }
    if (!inserted.inserted) {
      if (dispatched !== undefined) this.#undoDispatchAtCreation(dispatched.botId, task.id);
      return this.#existing(spec, inserted.existing);
    }
    if (dispatched !== undefined) this.#remember(dispatched.task);
    this.#created(task);
    if (dispatched === undefined) {
      this.#runEffects(task, effects);
    } else {
      this.#log.info(
        { taskId: task.id, from: 'PENDING', to: 'RUNNING', botId: dispatched.botId },
        'task state changed',
      );
      this.events.emit('transition', { task: dispatched.task, from: 'PENDING' });
      this.#runEffects(dispatched.task, dispatched.effects);
    }
    return { task, created: true };
  }

  /**
   * Creates validated tasks in one store transaction (NewTasks): all of them or, when the store
   * fails, none. Each is decided as submit() decides (dedup, slice, NO_RESOURCE, request_uuid;
   * a uuid used twice in the batch gives the first task twice). None is dispatched at creation:
   * once committed, the PENDING ones are queued for the pump as a new task is.
   */
  async submitMany(specs: readonly TaskSpec[]): Promise<{ task: Task; created: boolean }[]> {
    const nowMs = this.#clock();
    const made = await Promise.all(specs.map((spec) => this.#create(spec, nowMs)));
    const outcomes = await this.#store.insertTasks(made.map((m) => m.task));
    return made.map(({ task, effects }, i) => {
      const inserted = outcomes[i]!;
      if (!inserted.inserted) return this.#existing(task.spec, inserted.existing);
      this.#created(task);
      this.#runEffects(task, effects);
      return { task, created: true };
    });
  }

  /** A new task as the state machine makes it from `spec` now (not stored yet). */
  async #create(
    spec: TaskSpec,
    nowMs: number,
  ): Promise<{ task: Task; effects: readonly TaskEffect[] }> {
    const capacity = spec.slices.map((s) => this.#hasCapacity(s.properties.dimensions));
    const dedupSources = await Promise.all(
      spec.slices.map((s) =>
        s.properties.idempotent
          ? this.#store.findDedupSource(s.propertiesHash, nowMs - SEVEN_DAYS_MS)
          : Promise.resolve(undefined),
      ),
    );
    return createTask({ id: newTaskId(nowMs), spec, nowMs, capacity, dedupSources });
  }

  /** The store returned the task an earlier request with the same request_uuid made. */
  #existing(spec: TaskSpec, existing: Task): { task: Task; created: false } {
    this.#log.info(
      { taskId: existing.id, requestUuid: spec.requestUuid },
      'request_uuid seen before: returning the existing task',
    );
    return { task: existing, created: false };
  }

  /** A new task was stored: said in the log and to transition listeners. */
  #created(task: Task): void {
    this.#log.info(
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

  /** The task was not stored after all: its bot is free again. */
  #undoDispatchAtCreation(botId: string, taskId: string): void {
    this.#awaitingAssign.delete(taskId);
    this.#killsAfterAssign.delete(taskId);
    this.#releaseBot(botId, taskId);
  }

  /**
   * The new PENDING task as an idle bot of this process takes it (the 'dispatch' transition in
   * memory, the bot reserved), or undefined. Only when no dispatch work is queued: then every
   * idle bot has been offered every waiting task and took none, so no older or more urgent task
   * is passed over.
   */
  #dispatchAtCreation(
    task: Task,
    nowMs: number,
  ): { task: Task; effects: readonly TaskEffect[]; botId: string } | undefined {
    if (task.state !== 'PENDING' || task.spec.terminate !== undefined) return undefined;
    if (this.#work.length > 0 || this.#closed) return undefined;
    const dimensions = task.spec.slices[task.currentSlice]?.properties.dimensions;
    if (dimensions === undefined) return undefined;
    const botId = this.#index.botForTask(dimensions);
    if (botId === undefined || this.#busy.has(botId)) return undefined;
    const dims = this.#fleet?.dimensionsOf(botId);
    if (dims === undefined) return undefined;
    const outcome = transition(
      task,
      {
        type: 'dispatch',
        botId,
        botDimensions: [...dims].map(([key, values]) => ({ key, values: [...values] })),
        leaseId: newLeaseId(),
      },
      nowMs,
    );
    if ('refused' in outcome) return undefined;
    this.#index.removeBot(botId);
    this.#busy.set(botId, task.id);
    this.#busyToleranceMs.set(botId, taskPingToleranceMs(outcome.task, this.#pingToleranceMs));
    this.#awaitingAssign.add(task.id);
    return { task: outcome.task, effects: outcome.effects, botId };
  }

  /**
   * Applies an event to a stored task, after the events of this task applied before it (see
   * #applying). A conditional write that loses a race (another replica) is retried on the fresh
   * task, where the state machine decides again.
   */
  apply(taskId: string, event: TaskEvent): Promise<ApplyOutcome> {
    const before = this.#applying.get(taskId);
    const run =
      before === undefined
        ? this.#applyNow(taskId, event)
        : before.then(() => this.#applyNow(taskId, event));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#applying.set(taskId, tail);
    void tail.then(() => {
      if (this.#applying.get(taskId) === tail) this.#applying.delete(taskId);
    });
    return run;
  }

  async #applyNow(taskId: string, event: TaskEvent): Promise<ApplyOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const task = this.#written.get(taskId) ?? (await this.#store.getTask(taskId));
      if (task === undefined) return { refused: 'not-found' };
      const nowMs = this.#clock();
      const outcome = transition(task, event, nowMs);
      if ('refused' in outcome) return outcome;
      if (outcome.task === task) return { task };
      let applied = false;
      try {
        applied = await this.#store.updateTask(outcome.task, {
          state: task.state,
          leaseId: task.leaseId,
        });
      } finally {
        // Not stored: the next attempt (or event) reads the task from the store again.
        if (applied) this.#remember(outcome.task);
        else this.#written.delete(taskId);
      }
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

  /** Keeps a RUNNING task as stored when this process is the only writer (see #written). */
  #remember(task: Task): void {
    if (this.#onlyWriter && task.state === 'RUNNING') this.#written.set(task.id, task);
    else this.#written.delete(task.id);
  }

  /**
   * The task's stored output grew to `size` bytes (its bot's Output, here or on another replica):
   * StreamOutput followers hear it, and the remembered task counts it.
   */
  outputGrew(taskId: string, size: number): void {
    const task = this.#written.get(taskId);
    if (task !== undefined && task.outputSize < size) {
      this.#written.set(taskId, { ...task, outputSize: size });
    }
    this.outputWatchers.notify(taskId, size);
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

  /**
   * The bot reconnected still holding this task: it is busy until the task ends. With the task,
   * its backstop is watched here too (the bot may come from a replica that died).
   */
  markBusy(botId: string, taskId: string, task?: Task): void {
    this.#busy.set(botId, taskId);
    this.#busyToleranceMs.delete(botId);
    this.#index.removeBot(botId);
    if (task !== undefined) {
      this.#busyToleranceMs.set(botId, taskPingToleranceMs(task, this.#pingToleranceMs));
      // A snapshot read before: what this process wrote since (kept here) is newer.
      if (!this.#written.has(taskId)) this.#remember(task);
      this.#scheduleBackstop(task);
    }
  }

  /** Whether the engine knows the bot holds a task (or a claim for it is in flight). */
  isBotBusy(botId: string): boolean {
    return this.#busy.has(botId);
  }

  /**
   * How long the bot may be silent: the ping tolerance of the task it holds (its own
   * bot_ping_tolerance_secs, as in Swarming), else the coordinator's --bot-ping-tolerance.
   */
  pingToleranceOf(botId: string): number {
    return this.#busyToleranceMs.get(botId) ?? this.#pingToleranceMs;
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
      if (isFinalState(task.state)) this.#remoteKills.delete(task.id);
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
          this.#awaitingAssign.delete(task.id);
          const reason = this.#killsAfterAssign.get(task.id);
          if (reason !== undefined) {
            this.#killsAfterAssign.delete(task.id);
            this.#fleet?.send(effect.botId, {
              kill: { task_id: task.id, lease_id: effect.leaseId, reason },
            });
          }
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
        case 'release-bot':
          this.#releaseBot(effect.botId, task.id);
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** The bot no longer holds `taskId` (its end was reported, or it ended elsewhere). */
  releaseBot(botId: string, taskId: string): void {
    this.#releaseBot(botId, taskId);
  }

  /** The bot no longer holds `taskId`: it may take a termination or another task. */
  #releaseBot(botId: string, taskId: string): void {
    if (this.#busy.get(botId) !== taskId) return;
    this.#busy.delete(botId);
    this.#busyToleranceMs.delete(botId);
    if (this.#terminations.has(botId)) {
      this.offerTermination(botId);
      return;
    }
    const dims = this.#fleet?.dimensionsOf(botId);
    if (dims !== undefined) this.botIdle(botId, dims);
  }

  #enqueue(task: Task, slice: number): void {
    this.#enqueueEntry(task.id, {
      priority: task.spec.priority,
      createdAtMs: task.createdAtMs,
      dimensions: task.spec.slices[slice]!.properties.dimensions,
      terminate: task.spec.terminate !== undefined,
    });
  }

  #enqueueEntry(
    taskId: string,
    entry: {
      priority: number;
      createdAtMs: number;
      dimensions: readonly KeyValue[];
      terminate: boolean;
    },
  ): void {
    const { dimensions } = entry;
    this.#index.addPending({
      taskId,
      priority: entry.priority,
      createdAtMs: entry.createdAtMs,
      dimensions,
    });
    const item: TaskWorkItem = { kind: 'task', id: taskId, dimensions };
    this.#taskItems.set(taskId, item);
    this.#kick(item);
    const target = terminationTarget(entry.terminate, dimensions);
    if (target !== undefined) {
      // Also offered to its bot directly: it may take no other task (quarantine, maintenance).
      this.#terminations.set(target, taskId);
      this.offerTermination(target);
    }
  }

  /**
   * Another replica committed a change to this task (DESIGN.md §6): a PENDING task joins this
   * replica's index (its idle bots may take it; the conditional claim settles races), any other
   * state leaves it; a kill asked there reaches the task's bot if it is connected here; a task
   * that ended there frees its bot here; watchers hear about it.
   */
  async remoteTaskChange(note: TaskNote): Promise<void> {
    if (this.#closed) return;
    const { id } = note;
    if (note.state === 'PENDING') {
      let pending = note.pending;
      if (pending === undefined) {
        const task = await this.#store.getTask(id);
        if (task === undefined || task.state !== 'PENDING') return;
        pending = taskNote(task).pending;
        if (pending === undefined) return;
      }
      this.#enqueueEntry(id, pending);
      this.#scheduleExpiry(id, pending.deadlineAtMs);
    } else {
      this.#forgetPending(id);
      if (note.state === 'RUNNING' && note.botId !== null && this.#busy.get(note.botId) === id) {
        if (note.killRequested && !this.#remoteKills.has(id)) {
          this.#remoteKills.add(id);
          if (this.#awaitingAssign.has(id)) {
            this.#killsAfterAssign.set(id, 'cancelled by request');
          } else {
            this.#fleet?.send(note.botId, {
              kill: { task_id: id, lease_id: note.leaseId ?? '', reason: 'cancelled by request' },
            });
          }
        }
      } else if (isFinalState(note.state)) {
        this.#remoteKills.delete(id);
        this.#clearBackstop(id);
        if (note.botId !== null && this.#busy.get(note.botId) === id) {
          this.#releaseBot(note.botId, id);
        }
      }
    }
    if (this.taskWatchers.has(id)) {
      const task = await this.#store.getTask(id);
      if (task !== undefined) this.taskWatchers.notify(id, task);
    }
    this.remoteEvents.emit('task', note);
  }

  /**
   * The change feed was interrupted: re-reads the waiting tasks so that none is missed here
   * (entries of tasks that left the queue meanwhile drop out at their claim or expiry).
   */
  async resyncPending(): Promise<void> {
    await this.#store.forEachPending((e) => {
      if (this.#index.hasPending(e.taskId)) return;
      this.#enqueueEntry(e.taskId, e);
      this.#scheduleExpiry(e.taskId, e.deadlineAtMs);
    });
    // Bots held by tasks whose end was in a lost note.
    for (const [botId, taskId] of [...this.#busy]) {
      const task = await this.#store.getTask(taskId);
      if (task === undefined || isFinalState(task.state)) this.#releaseBot(botId, taskId);
    }
  }

  #forgetPending(taskId: string): void {
    this.#taskItems.delete(taskId);
    this.#index.removePending(taskId);
    this.#clearExpiry(taskId);
    for (const [botId, pending] of this.#terminations)
      if (pending === taskId) this.#terminations.delete(botId);
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

  /**
   * A RUNNING task reached its backstop: BOT_DIED, even if its bot still pings. Its result may be
   * waiting unread, and the ping tolerance in the backstop is time this process ran: after a
   * stall it reads first, and moves the backstop by the stall.
   */
  async #backstop(taskId: string): Promise<void> {
    try {
      if (this.#stalls !== undefined) {
        await afterPendingInput();
        if (this.#closed) return;
      }
      const task = await this.#store.getTask(taskId);
      if (task === undefined || task.state !== 'RUNNING') return;
      const atMs = runningBackstopAtMs(task, this.#pingToleranceMs);
      if (atMs !== null && this.#stalls !== undefined) {
        const nowMs = this.#clock();
        const toleranceMs = taskPingToleranceMs(task, this.#pingToleranceMs);
        const verdict = judgeSilence({
          nowMs,
          lastHeardMs: atMs - toleranceMs,
          toleranceMs,
          dueAtMs: nowMs,
          stalls: this.#stalls.stalls,
          listened: true,
          lateMs: this.#stalls.lateMs,
        });
        if (verdict.kind === 'heard') {
          if (!this.#closed) this.#backstops.schedule(taskId, verdict.checkAtMs);
          return;
        }
      }
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
      if (task === undefined || task.state !== 'PENDING') {
        this.#forgetPending(taskId);
        return;
      }
      const capacity = task.spec.slices.map((s) => this.#hasCapacity(s.properties.dimensions));
      await this.apply(taskId, { type: 'expire', capacity });
    } catch (err) {
      this.#log.error({ err, taskId }, 'expiring a task failed');
    }
  }

  #kick(item: WorkItem): void {
    this.#work.push(item);
    this.#pump();
  }

  /**
   * The only dispatcher: pairs waiting tasks with idle bots, in work order. Up to MAX_CLAIMS
   * claims are in flight at once (their writes share a commit, or use several connections):
   * each picks and reserves its bot and its task synchronously, so no two claims of this
   * process ever pick the same one; the store's conditional write guards against other
   * replicas.
   */
  #pump(): void {
    while (this.#work.length > 0 && !this.#closed && this.#claims < MAX_CLAIMS) {
      const item = this.#work.shift()!;
      this.#claims++;
      this.#dispatchOne(item)
        .catch((err: unknown) => this.#log.error({ err, item }, 'dispatch failed'))
        .finally(() => {
          this.#claims--;
          this.#pump();
        });
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
    // The task is reserved too: no other claim in flight picks it meanwhile.
    this.#index.removePending(taskId);
    this.#awaitingAssign.add(taskId);
    let claimed = false;
    let requeue = true;
    let threw = true;
    try {
      const botDimensions = [...dims].map(([key, values]) => ({ key, values: [...values] }));
      const outcome = await this.apply(taskId, {
        type: 'dispatch',
        botId,
        botDimensions,
        leaseId: newLeaseId(),
      });
      claimed = !('refused' in outcome);
      // Refused: the task changed under us (cancelled, taken elsewhere: it stays out), or it
      // moved to a slice this bot does not match (it waits there, as stored).
      requeue = 'refused' in outcome && outcome.refused === 'dimensions-mismatch';
      threw = false;
    } finally {
      // Also when the store failed: the task waits as stored, wherever that is now.
      if (requeue && !this.#closed) void this.#requeueAsStored(taskId);
      this.#awaitingAssign.delete(taskId);
      if (!claimed) {
        this.#killsAfterAssign.delete(taskId);
        this.#busy.delete(botId);
        const still = this.#fleet?.dimensionsOf(botId);
        if (still !== undefined && !threw) this.botIdle(botId, still);
        else if (still !== undefined) {
          // The store failed (its disk full, say): not at once, or this loops on that write.
          setTimeout(() => {
            const dimensions = this.#fleet?.dimensionsOf(botId);
            if (!this.#closed && dimensions !== undefined) this.botIdle(botId, dimensions);
          }, CLAIM_RETRY_AFTER_STORE_FAILURE_MS).unref();
        }
      }
    }
  }

  /** Puts a task back in the dispatch index as the store has it, if it is still waiting. */
  async #requeueAsStored(taskId: string): Promise<void> {
    try {
      const task = await this.#store.getTask(taskId);
      if (task === undefined || task.state !== 'PENDING' || this.#closed) return;
      if (this.#index.hasPending(taskId)) return;
      this.#enqueue(task, task.currentSlice);
      this.#scheduleExpiry(
        taskId,
        sliceDeadlineAtMs(task.spec, task.createdAtMs, task.currentSlice),
      );
    } catch (err) {
      this.#log.error({ err, taskId }, 'putting a task back in the queue failed');
    }
  }

  /** Whether a stored task is final; for callers holding only an id. */
  static isFinal(task: Task): boolean {
    return isFinalState(task.state);
  }
}
