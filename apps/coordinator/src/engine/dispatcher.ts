import {
  DispatchIndex,
  taskPingToleranceMs,
  transition,
  type KeyValue,
  type PendingSummary,
  type Task,
  type TaskEffect,
  type TaskEvent,
  type TaskProperties,
} from '@drover/state';
import type { Logger } from 'pino';
import { dispatchMessage, terminationTarget } from './dispatch-message';
import type { Fleet } from './fleet';
import { newLeaseId } from './ids';
import type { ApplyOutcome } from './task-engine';
import { WorkQueue } from './work-queue';

/** Claims in flight at once (see Dispatcher#pump). */
const MAX_CLAIMS = 32;
/**
 * A bot whose claim failed in the store (its disk full, say) is offered again after this long,
 * not at once: at once, an idle bot and a waiting task would retry the failing write in a loop.
 */
const CLAIM_RETRY_AFTER_STORE_FAILURE_MS = 1_000;

/**
 * A waiting task as dispatch needs it: where it sorts, what it asks of a bot, and the hash of
 * its slice's input tree (cas_input_root), if any, for preferring a bot that holds it.
 */
export type WaitingTask = Pick<
  PendingSummary,
  'priority' | 'createdAtMs' | 'dimensions' | 'terminate'
> & { readonly inputTree?: string | undefined };

type DispatchEvent = Extract<TaskEvent, { type: 'dispatch' }>;

/**
 * Dispatch work: a waiting task (with the dimensions of the slice it waits in), a bot that may
 * take one, or a bot whose termination task may go now.
 */
type WorkItem =
  | TaskWorkItem
  | { readonly kind: 'bot'; readonly id: string }
  | { readonly kind: 'termination'; readonly id: string };

interface TaskWorkItem {
  readonly kind: 'task';
  readonly id: string;
  readonly dimensions: readonly KeyValue[];
  readonly inputTree: string | undefined;
}

export interface DispatcherDeps {
  readonly fleet: Fleet;
  readonly log: Logger;
  /** The coordinator's --bot-ping-tolerance: a bot's silence allowed when its task has none. */
  readonly pingToleranceMs: number;
  /** Commits a claim: the engine applies the 'dispatch' event to the stored task. */
  readonly claim: (taskId: string, event: DispatchEvent) => Promise<ApplyOutcome>;
  /** A claim was refused or failed: the task waits as stored, wherever that is now. */
  readonly requeue: (taskId: string) => void;
  /** A reconnecting bot still runs this task: the engine watches it as a running task. */
  readonly held: (task: Task) => void;
  /**
   * The secret bytes of a task that has them (TaskSpec.hasSecretBytes), read and opened for its
   * Assign; rejects when they cannot be (then `secretFailed`). Absent: such a task's Assign waits
   * for nothing and fails as if rejected.
   */
  readonly secretBytes?: (taskId: string) => Promise<Uint8Array>;
  /** The Assign of a task with secret bytes was not sent: they could not be opened. */
  readonly secretFailed?: (task: Task, leaseId: string, reason: string) => void;
  /**
   * Prefer, among the idle bots matching a task with an input tree, one that holds the tree
   * (Fleet.inputTreeHolders). @default true; off only to measure what it saves (tools/bench).
   */
  readonly inputAffinity?: boolean;
}

/**
 * The one owner of bot availability in this process: which connected bot is idle, busy (holds a
 * task or is being given one) or has a termination task waiting; the dispatch index of waiting
 * tasks; and the pump that pairs them. Bot sessions tell it `botReady` and `botGone`; the engine
 * tells it what committed changes mean (a task waits, left the queue, was assigned, freed its
 * bot). Every pairing goes through the pump, so a bot or task is never claimed twice by this
 * process; the store's conditional write guards against other replicas.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #index = new DispatchIndex();
  /** Bot → the task it holds or is being given. The single source of "busy" in this process. */
  readonly #busy = new Map<string, string>();
  /** Bot → the ping tolerance of the task it holds, when that task was at hand. */
  readonly #busyToleranceMs = new Map<string, number>();
  /** Bot → its PENDING termination task (TerminateBot): offered even to unavailable bots. */
  readonly #terminations = new Map<string, string>();
  readonly #work = new WorkQueue<WorkItem>();
  /**
   * Task → its newest 'task' work item while that is queued: an item left behind by a change of
   * slice (dequeue, enqueue with other dimensions) is no longer this one and is skipped.
   */
  readonly #taskItems = new Map<string, TaskWorkItem>();
  /**
   * Tasks being given to a bot whose Assign is not sent yet (the claim's write is in flight),
   * and kills asked for them meanwhile: sent right after the Assign, never before it (the bot
   * would ignore a kill for a task it does not know yet).
   */
  readonly #awaitingAssign = new Set<string>();
  readonly #killsAfterAssign = new Map<string, string>();
  /** Claims in flight (each has reserved its bot and its task before its first await). */
  #claims = 0;
  #closed = false;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  close(): void {
    this.#closed = true;
  }

  get waitingCount(): number {
    return this.#index.pendingCount;
  }

  /** A waiting task found at start-up: indexed, not pushed (bots offer themselves as they come). */
  load(taskId: string, task: WaitingTask): void {
    const target = terminationTarget(task.terminate, task.dimensions);
    if (target !== undefined) this.#terminations.set(target, taskId);
    this.#index.addPending(indexEntry(taskId, task));
  }

  /** The task waits (new, in its next slice, back from a refused claim, or another replica's). */
  enqueue(taskId: string, task: WaitingTask): void {
    if (this.#closed) return;
    this.#index.addPending(indexEntry(taskId, task));
    const item: TaskWorkItem = {
      kind: 'task',
      id: taskId,
      dimensions: task.dimensions,
      inputTree: task.inputTree,
    };
    this.#taskItems.set(taskId, item);
    this.#kick(item);
    const target = terminationTarget(task.terminate, task.dimensions);
    if (target !== undefined) {
      // Also offered to its bot directly: it may take no other task (quarantine, maintenance).
      this.#terminations.set(target, taskId);
      this.#offerTermination(target);
    }
  }

  /** The task no longer waits (claimed, cancelled, expired, changed elsewhere). */
  dequeue(taskId: string): void {
    this.#taskItems.delete(taskId);
    this.#index.removePending(taskId);
    for (const [botId, pending] of this.#terminations)
      if (pending === taskId) this.#terminations.delete(botId);
  }

  isWaiting(taskId: string): boolean {
    return this.#index.hasPending(taskId);
  }

  /**
   * The new PENDING task as an idle bot of this process takes it (the 'dispatch' transition in
   * memory, the bot reserved), or undefined. Only when no dispatch work is queued: then every
   * idle bot has been offered every waiting task and took none, so no older or more urgent task
   * is passed over.
   */
  takeAtCreation(
    task: Task,
    nowMs: number,
  ): { task: Task; effects: readonly TaskEffect[]; botId: string } | undefined {
    if (task.state !== 'PENDING' || task.spec.terminate !== undefined) return undefined;
    if (this.#work.length > 0 || this.#closed) return undefined;
    const properties = task.spec.slices[task.currentSlice]?.properties;
    if (properties === undefined) return undefined;
    const botId = this.#index.botForTask(
      properties.dimensions,
      this.#warmBots(inputTreeOf(properties)),
    );
    if (botId === undefined || this.#busy.has(botId)) return undefined;
    const dims = this.#deps.fleet.dimensionsOf(botId);
    if (dims === undefined) return undefined;
    const outcome = transition(task, dispatchEvent(botId, dims), nowMs);
    if ('refused' in outcome) return undefined;
    this.#index.removeBot(botId);
    this.#hold(botId, outcome.task);
    this.#awaitingAssign.add(task.id);
    return { task: outcome.task, effects: outcome.effects, botId };
  }

  /** The task taken at creation was not stored after all: its bot is free again. */
  undoTakeAtCreation(botId: string, taskId: string): void {
    this.#awaitingAssign.delete(taskId);
    this.#killsAfterAssign.delete(taskId);
    this.release(botId, taskId);
  }

  /**
   * Pushes the claimed task to its bot, then a kill asked meanwhile. False: no session. A task
   * with secret bytes is pushed once they are read and opened (a kill asked meanwhile still
   * follows its Assign).
   */
  assign(task: Task, botId: string, leaseId: string): boolean {
    // Before the push: the bot's session judges its silence by this task's tolerance from now.
    if (this.#busy.get(botId) === task.id) this.#hold(botId, task);
    if (task.spec.hasSecretBytes === true) {
      void this.#assignWithSecret(task, botId, leaseId);
      return true;
    }
    return this.#push(task, botId, leaseId);
  }

  async #assignWithSecret(task: Task, botId: string, leaseId: string): Promise<void> {
    let secret: Uint8Array;
    try {
      if (this.#deps.secretBytes === undefined) throw new Error('no secret key is configured');
      secret = await this.#deps.secretBytes(task.id);
    } catch (err) {
      this.#awaitingAssign.delete(task.id);
      this.#killsAfterAssign.delete(task.id);
      const reason = `the task's secret bytes could not be read: ${(err as Error).message}`;
      this.#deps.log.error({ taskId: task.id, botId, reason }, 'assign failed');
      this.#deps.secretFailed?.(task, leaseId, reason);
      return;
    }
    if (!this.#push(task, botId, leaseId, secret)) {
      // As for any Assign: reconciliation at the bot's next Hello (or the ping tolerance).
      this.#deps.log.warn({ taskId: task.id, botId }, 'assigned bot has no session');
    }
  }

  #push(task: Task, botId: string, leaseId: string, secretBytes?: Uint8Array): boolean {
    const sent = this.#deps.fleet.send(botId, dispatchMessage(task, leaseId, secretBytes));
    this.#awaitingAssign.delete(task.id);
    const reason = this.#killsAfterAssign.get(task.id);
    if (reason !== undefined) {
      this.#killsAfterAssign.delete(task.id);
      this.#deps.fleet.send(botId, { kill: { task_id: task.id, lease_id: leaseId, reason } });
    }
    return sent;
  }

  /**
   * Asks the bot to stop the task; while the task's Assign is not sent yet, right after it.
   * False: the bot has no session here (it is asked again when it reconnects).
   */
  kill(botId: string, taskId: string, leaseId: string, reason: string): boolean {
    if (this.#awaitingAssign.has(taskId)) {
      this.#killsAfterAssign.set(taskId, reason);
      return true;
    }
    return this.#deps.fleet.send(botId, { kill: { task_id: taskId, lease_id: leaseId, reason } });
  }

  /** The bot no longer holds `taskId` (it ended): it may take a termination or another task. */
  release(botId: string, taskId: string): void {
    if (this.#busy.get(botId) !== taskId) return;
    this.#busy.delete(botId);
    this.#busyToleranceMs.delete(botId);
    this.#offer(botId);
  }

  /**
   * A connected bot's availability may have changed: it said Hello, its quarantine or admin
   * state or its dimensions changed. With `holding`, it still runs that task (it reconnected
   * mid-task) and is busy until the task ends. A busy bot stays busy.
   */
  botReady(botId: string, holding?: Task): void {
    if (holding !== undefined) {
      this.#index.removeBot(botId);
      this.#hold(botId, holding);
      this.#deps.held(holding);
      return;
    }
    if (this.#busy.has(botId)) return;
    this.#index.removeBot(botId);
    this.#offer(botId);
  }

  /** The bot's session ended: no longer a dispatch target (what it holds stays held). */
  botGone(botId: string): void {
    this.#index.removeBot(botId);
  }

  /** The task the bot holds (or is being given), if any. */
  taskOf(botId: string): string | undefined {
    return this.#busy.get(botId);
  }

  isBusy(botId: string): boolean {
    return this.#busy.has(botId);
  }

  /** The bot is connected here, holds nothing and may be offered a task (tests, benchmarks). */
  isIdle(botId: string): boolean {
    return this.#index.isIdle(botId);
  }

  /** Every bot holding a task here, with that task (re-checked after a change-feed gap). */
  heldTasks(): Array<[botId: string, taskId: string]> {
    return [...this.#busy];
  }

  /**
   * How long the bot may be silent: the ping tolerance of the task it holds (its own
   * bot_ping_tolerance_secs, as in Swarming), else the coordinator's --bot-ping-tolerance.
   */
  pingToleranceOf(botId: string): number {
    return this.#busyToleranceMs.get(botId) ?? this.#deps.pingToleranceMs;
  }

  /** The bot's PENDING termination task, if any (TerminateBot returns it again). */
  terminationOf(botId: string): string | undefined {
    return this.#terminations.get(botId);
  }

  /**
   * The bots holding the input tree, which botForTask prefers among the idle matching ones (a
   * choice among the bots idle now, never a wait). A bot going idle still takes the first task
   * by priority and age: it never skips one for a task whose tree it holds.
   */
  #warmBots(inputTree: string | undefined): ReadonlySet<string> | undefined {
    if (inputTree === undefined || this.#deps.inputAffinity === false) return undefined;
    return this.#deps.fleet.inputTreeHolders(inputTree);
  }

  #hold(botId: string, task: Task): void {
    this.#busy.set(botId, task.id);
    this.#busyToleranceMs.set(botId, taskPingToleranceMs(task, this.#deps.pingToleranceMs));
  }

  /** A connected bot holding nothing: its termination task, else the best waiting task. */
  #offer(botId: string): void {
    if (this.#closed || this.#busy.has(botId)) return;
    if (this.#terminations.has(botId)) {
      this.#offerTermination(botId);
      return;
    }
    const dims = this.#deps.fleet.dimensionsOf(botId);
    if (dims === undefined) return;
    this.#index.setBotIdle(botId, dims);
    this.#kick({ kind: 'bot', id: botId });
  }

  #offerTermination(botId: string): void {
    if (this.#terminations.has(botId) && !this.#busy.has(botId))
      this.#kick({ kind: 'termination', id: botId });
  }

  #kick(item: WorkItem): void {
    this.#work.push(item);
    this.#pump();
  }

  /**
   * Pairs waiting tasks with idle bots, in work order. Up to MAX_CLAIMS claims are in flight at
   * once (their writes share a commit, or use several connections): each picks and reserves its
   * bot and its task synchronously, so no two claims of this process ever pick the same one.
   */
  #pump(): void {
    while (this.#work.length > 0 && !this.#closed && this.#claims < MAX_CLAIMS) {
      const item = this.#work.shift()!;
      this.#claims++;
      this.#dispatchOne(item)
        .catch((err: unknown) => this.#deps.log.error({ err, item }, 'dispatch failed'))
        .finally(() => {
          this.#claims--;
          this.#pump();
        });
    }
  }

  async #dispatchOne(item: WorkItem): Promise<void> {
    if (item.kind === 'termination') {
      const pending = this.#terminations.get(item.id);
      if (pending === undefined || !this.#index.hasPending(pending)) return;
      await this.#claim(pending, item.id, true);
      return;
    }
    let taskId: string | undefined;
    let botId: string | undefined;
    if (item.kind === 'bot') {
      botId = item.id;
      taskId = this.#index.taskForBot(botId)?.taskId;
    } else {
      // The task's newest item and still queued: PENDING in the slice this item names, as far as
      // this process knows (changes of slice or state dequeue or re-enqueue it), so no store
      // read; the claim's conditional write checks it.
      if (this.#taskItems.get(item.id) !== item) return;
      this.#taskItems.delete(item.id);
      if (!this.#index.hasPending(item.id)) return;
      taskId = item.id;
      botId = this.#index.botForTask(item.dimensions, this.#warmBots(item.inputTree));
    }
    if (taskId === undefined || botId === undefined) return;
    await this.#claim(taskId, botId);
  }

  async #claim(taskId: string, botId: string, termination = false): Promise<void> {
    // Reserve the bot before the await so nothing else proposes it meanwhile.
    this.#index.removeBot(botId);
    const fleet = this.#deps.fleet;
    const dims = termination ? fleet.reachableDimensionsOf(botId) : fleet.dimensionsOf(botId);
    if (dims === undefined || this.#busy.has(botId)) return;
    this.#busy.set(botId, taskId);
    // The task is reserved too: no other claim in flight picks it meanwhile.
    this.#index.removePending(taskId);
    this.#awaitingAssign.add(taskId);
    let claimed = false;
    let requeue = true;
    let threw = true;
    try {
      const outcome = await this.#deps.claim(taskId, dispatchEvent(botId, dims));
      claimed = !('refused' in outcome);
      // Refused: the task changed under us (cancelled, taken elsewhere: it stays out), or it
      // moved to a slice this bot does not match (it waits there, as stored).
      requeue = 'refused' in outcome && outcome.refused === 'dimensions-mismatch';
      threw = false;
    } finally {
      // Also when the store failed: the task waits as stored, wherever that is now.
      if (requeue && !this.#closed) this.#deps.requeue(taskId);
      this.#awaitingAssign.delete(taskId);
      if (!claimed) {
        this.#killsAfterAssign.delete(taskId);
        this.#busy.delete(botId);
        if (!threw) this.#offer(botId);
        else {
          // The store failed (its disk full, say): not at once, or this loops on that write.
          setTimeout(() => this.#offer(botId), CLAIM_RETRY_AFTER_STORE_FAILURE_MS).unref();
        }
      }
    }
  }
}

/** Only what the index sorts and matches by: a deep queue holds a million of these. */
function indexEntry(taskId: string, task: WaitingTask) {
  return {
    taskId,
    priority: task.priority,
    createdAtMs: task.createdAtMs,
    dimensions: task.dimensions,
  };
}

/** The hash of the slice's input tree (cas_input_root), if it has one. */
export function inputTreeOf(properties: TaskProperties): string | undefined {
  const hash = properties.casInputRoot?.hash;
  return hash === undefined || hash === '' ? undefined : hash;
}

function dispatchEvent(botId: string, dims: ReadonlyMap<string, ReadonlySet<string>>) {
  return {
    type: 'dispatch' as const,
    botId,
    botDimensions: [...dims].map(([key, values]) => ({ key, values: [...values] })),
    leaseId: newLeaseId(),
  };
}
