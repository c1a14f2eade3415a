import { PARENT_TAG_KEY } from '@drover/protocol';
import { isFinalState, type Store, type Task } from '@drover/state';
import type { Logger } from 'pino';
import type { TaskEngine, TaskTransition } from '../engine/task-engine';

/** Children cancelled per store page. */
const PAGE = 1000;
/** A sweep that failed (the store) is tried again after 1 s, 2 s, … up to this. */
const RETRY_MAX_MS = 60_000;

/** The tag every child of `parentTaskId` carries. */
export function parentTag(parentTaskId: string): string {
  return `${PARENT_TAG_KEY}:${parentTaskId}`;
}

/** What the canceller reads: active children by tag, their parents, and whether it writes alone. */
type ChildStore = Pick<Store, 'getTask' | 'listTasks'>;

/**
 * When a task reaches a final state, its still-active children are cancelled: PENDING ones
 * CANCELED, RUNNING ones killed (as CancelTask with kill_running). Recursive by construction: a
 * child that ends is itself a parent whose end is seen here. Children are found with the store's
 * task query (their `parent_task_id:<id>` tag, states PENDING and RUNNING), so it holds across
 * restarts and replicas.
 */
export class ChildCanceller {
  readonly #engine: Pick<TaskEngine, 'events' | 'apply'>;
  readonly #store: ChildStore;
  readonly #log: Logger;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #retries = new Set<NodeJS.Timeout>();
  readonly #off: () => void;
  /**
   * Tasks that have had children created, when this process is the store's only writer
   * (SQLite): a task ending that is not here has no child to look for, and the store query
   * is skipped (it was a quarter of a task's coordinator CPU). Trusted once the start-up sweep
   * has added the parents of the children that were already active.
   */
  readonly #parents = new Set<string>();
  readonly #onlyWriter: boolean;
  #parentsComplete = false;
  #closed = false;

  constructor(deps: {
    engine: Pick<TaskEngine, 'events' | 'apply'>;
    store: ChildStore;
    log: Logger;
    /** This process is the store's only writer: the parents cache below may be trusted. */
    cacheParents: boolean;
  }) {
    this.#engine = deps.engine;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#onlyWriter = deps.cacheParents;
    const listener = ({ task, from }: TaskTransition) => {
      if (from === undefined && task.spec.parentTaskId !== '' && this.#onlyWriter) {
        this.#parents.add(task.spec.parentTaskId);
      }
      // A task created final (NO_RESOURCE, deduplicated) has had no chance to get children.
      if (from === undefined || !isFinalState(task.state)) return;
      const known = this.#parents.delete(task.id);
      if (!known && this.#onlyWriter && this.#parentsComplete) return;
      this.#track(this.#cancelChildren(task));
    };
    deps.engine.events.on('transition', listener);
    this.#off = () => deps.engine.events.off('transition', listener);
  }

  /**
   * After a child was stored: if its parent became final meanwhile (after NewTask checked it,
   * before the child was in the store, so the parent's own sweep may have missed it), the child
   * is cancelled now. Between the two, every child is seen at least once.
   */
  async childCreated(child: Task): Promise<Task> {
    if (child.spec.parentTaskId === '' || isFinalState(child.state)) return child;
    const parent = await this.#store.getTask(child.spec.parentTaskId);
    if (parent !== undefined && !isFinalState(parent.state)) return child;
    const canceled = await this.#cancel(child, child.spec.parentTaskId, parent?.state ?? 'gone');
    return canceled ?? (await this.#store.getTask(child.id)) ?? child;
  }

  /**
   * Once at start, in the background: the children of parents that ended while this process
   * could not see it (it stopped between the parent's end and the sweep, or on another replica
   * that stopped so) are cancelled now. Pages through the active tasks; a waiting queue of a
   * million costs seconds, off the start-up path.
   */
  sweepOrphans(): void {
    this.#track(this.#sweepOrphans());
  }

  async #sweepOrphans(): Promise<void> {
    const parents = new Map<string, Task['state'] | undefined>();
    try {
      // One state at a time: a page of one state comes in index order, while a page of several
      // had the store sort every active task again for each page (minutes for a million).
      for (const state of ['RUNNING', 'PENDING'] as const) {
        if (!(await this.#sweepState(state, parents))) return;
      }
      this.#parentsComplete = true;
    } catch (err) {
      this.#log.error({ err }, 'sweeping the children of ended tasks failed');
    }
  }

  /** The sweep over the tasks in `state`; false when the canceller closed meanwhile. */
  async #sweepState(
    state: 'PENDING' | 'RUNNING',
    parents: Map<string, Task['state'] | undefined>,
  ): Promise<boolean> {
    const store = this.#store;
    const query = { states: [state] };
    let cursor = '';
    do {
      const page = await store.listTasks(query, { limit: PAGE, cursor });
      for (const child of page.tasks) {
        const parentId = child.spec.parentTaskId;
        if (this.#closed) return false;
        if (parentId === '') continue;
        if (this.#onlyWriter) this.#parents.add(parentId);
        if (!parents.has(parentId)) parents.set(parentId, (await store.getTask(parentId))?.state);
        const parentState = parents.get(parentId);
        if (parentState === undefined || isFinalState(parentState)) {
          await this.#cancel(child, parentId, parentState ?? 'gone');
        }
      }
      cursor = page.cursor;
      await new Promise((resolve) => setImmediate(resolve));
    } while (cursor !== '' && !this.#closed);
    return !this.#closed;
  }

  /** Resolves once the sweeps under way now are done (tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops listening and waits for the sweeps under way; idempotent. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#off();
      for (const timer of this.#retries) clearTimeout(timer);
      this.#retries.clear();
    }
    await Promise.allSettled([...this.#inFlight]);
  }

  #track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  async #cancelChildren(parent: Task, retryMs = 1000): Promise<void> {
    const store = this.#store;
    const query = { tags: [parentTag(parent.id)], states: ['PENDING', 'RUNNING'] as const };
    try {
      let cursor = '';
      do {
        const page = await store.listTasks(query, { limit: PAGE, cursor });
        for (const child of page.tasks) {
          if (this.#closed) return;
          // The tag is only ever set from parent_task_id (validation refuses it otherwise).
          if (child.spec.parentTaskId === parent.id)
            await this.#cancel(child, parent.id, parent.state);
        }
        cursor = page.cursor;
      } while (cursor !== '' && !this.#closed);
    } catch (err) {
      if (this.#closed) return;
      this.#log.error(
        { err, taskId: parent.id, retryMs },
        'cancelling the children of a task failed; trying again',
      );
      const timer = setTimeout(() => {
        this.#retries.delete(timer);
        this.#track(this.#cancelChildren(parent, Math.min(RETRY_MAX_MS, retryMs * 2)));
      }, retryMs);
      timer.unref();
      this.#retries.add(timer);
    }
  }

  /** Cancels (kills) one child; the child as it is now, or undefined when it was already final. */
  async #cancel(child: Task, parentId: string, parentState: string): Promise<Task | undefined> {
    const outcome = await this.#engine.apply(child.id, { type: 'cancel', killRunning: true });
    if ('refused' in outcome) return undefined;
    this.#log.info(
      { taskId: child.id, parentTaskId: parentId, parentState, state: outcome.task.state },
      'parent task ended: child cancelled',
    );
    return outcome.task;
  }
}
