import { isFinalState, taskNote, type Store, type TaskNote } from '@drover/state';
import type { Dispatcher } from '../engine/dispatcher';
import type { TaskEngine, TaskTransition } from '../engine/task-engine';
import type { TaskTimers } from '../engine/task-timers';

/**
 * Task changes other coordinators sharing the store committed, applied to this replica
 * (DESIGN.md §6): a PENDING task joins this replica's dispatch index (its idle bots may take it;
 * the conditional claim settles races), any other state leaves it; a kill asked there reaches the
 * task's bot if it is connected here (once); a task that ended there frees its bot here; watchers
 * hear about it.
 */
export class RemoteTasks {
  readonly #engine: TaskEngine;
  readonly #dispatcher: Dispatcher;
  readonly #timers: TaskTimers;
  readonly #store: Pick<Store, 'getTask' | 'forEachPending'>;
  /** Tasks whose kill, asked on another replica, this one already pushed to its bot. */
  readonly #killsSent = new Set<string>();
  readonly #onTransition = ({ task }: TaskTransition) => {
    if (isFinalState(task.state)) this.#killsSent.delete(task.id);
  };
  #closed = false;

  constructor(deps: {
    engine: TaskEngine;
    dispatcher: Dispatcher;
    timers: TaskTimers;
    store: Pick<Store, 'getTask' | 'forEachPending'>;
  }) {
    this.#engine = deps.engine;
    this.#dispatcher = deps.dispatcher;
    this.#timers = deps.timers;
    this.#store = deps.store;
    this.#engine.events.on('transition', this.#onTransition);
  }

  close(): void {
    this.#closed = true;
    this.#engine.events.off('transition', this.#onTransition);
  }

  /** Another replica committed this change to a task. */
  async changed(note: TaskNote): Promise<void> {
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
      this.#dispatcher.enqueue(id, pending);
      this.#timers.expireAt(id, pending.deadlineAtMs);
    } else {
      this.#dispatcher.dequeue(id);
      this.#timers.cancelExpiry(id);
      const holder = note.botId === null ? undefined : this.#dispatcher.taskOf(note.botId);
      if (note.state === 'RUNNING' && holder === id) {
        if (note.killRequested && !this.#killsSent.has(id)) {
          this.#killsSent.add(id);
          this.#dispatcher.kill(note.botId!, id, note.leaseId ?? '', 'cancelled by request');
        }
      } else if (isFinalState(note.state)) {
        this.#killsSent.delete(id);
        this.#timers.cancelBackstop(id);
        if (holder === id) this.#dispatcher.release(note.botId!, id);
      }
    }
    if (this.#engine.taskWatchers.has(id)) {
      const task = await this.#store.getTask(id);
      if (task !== undefined) this.#engine.taskWatchers.notify(id, task);
    }
    this.#engine.remoteEvents.emit('task', note);
  }

  /**
   * The change feed was interrupted: re-reads the waiting tasks so that none is missed here
   * (entries of tasks that left the queue meanwhile drop out at their claim or expiry), and frees
   * bots held by tasks whose end was in a lost note.
   */
  async resync(): Promise<void> {
    await this.#store.forEachPending((e) => {
      if (this.#dispatcher.isWaiting(e.taskId)) return;
      this.#dispatcher.enqueue(e.taskId, e);
      this.#timers.expireAt(e.taskId, e.deadlineAtMs);
    });
    for (const [botId, taskId] of this.#dispatcher.heldTasks()) {
      const task = await this.#store.getTask(taskId);
      if (task === undefined || isFinalState(task.state)) this.#dispatcher.release(botId, taskId);
    }
  }
}
