/**
 * The PENDING tasks of this coordinator by pool, for `drover_tasks_pending` and
 * `drover_tasks_pending_oldest_age_seconds`: per pool, task id → created time, in insertion
 * order. Tasks arrive oldest first at start-up (`Store.forEachPending`) and in submit order
 * afterwards, so the first entry of a pool is its oldest task (to within tasks submitted in the
 * same millisecond). Every operation is O(1) except a removal whose pool hint is wrong (a task
 * that moved to a slice in another pool), which looks through the pools.
 */
export class PendingByPool {
  readonly #pools = new Map<string, Map<string, number>>();

  add(pool: string, taskId: string, createdAtMs: number): void {
    let tasks = this.#pools.get(pool);
    if (tasks === undefined) {
      tasks = new Map();
      this.#pools.set(pool, tasks);
    }
    tasks.set(taskId, createdAtMs);
  }

  /** Forgets a task; `poolHint` is where it is looked for first. */
  remove(poolHint: string, taskId: string): void {
    if (this.#pools.get(poolHint)?.delete(taskId) === true) return;
    for (const tasks of this.#pools.values()) if (tasks.delete(taskId)) return;
  }

  /** Every pool seen (with zero once emptied, so series do not vanish), with its oldest task. */
  *summary(): Iterable<{ pool: string; count: number; oldestCreatedAtMs: number | undefined }> {
    for (const [pool, tasks] of this.#pools) {
      const first = tasks.values().next();
      yield {
        pool,
        count: tasks.size,
        oldestCreatedAtMs: first.done === true ? undefined : first.value,
      };
    }
  }
}
