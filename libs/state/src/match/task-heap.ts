import type { PendingEntry } from './pending-entry';

/** A task waiting in the index: one object per addPending, shared by each of its queues. */
export interface HeapTask {
  readonly entry: PendingEntry;
  /** Set once the task left the index; its copies in heaps are skipped and dropped lazily. */
  removed: boolean;
}

/**
 * A 4-ary min-heap of tasks by (priority, created time, id). The two numbers live in typed arrays
 * beside the items, so sifting compares without dereferencing the tasks (only a tie reads the
 * ids), and the four children of a node share a cache line: half the levels of a binary heap,
 * each about as cheap. Tasks leave lazily: the owner marks them removed, then pops or compacts.
 */
export class TaskHeap {
  #items: HeapTask[] = [];
  #priority = new Float64Array(4);
  #created = new Float64Array(4);

  get size(): number {
    return this.#items.length;
  }

  peek(): HeapTask | undefined {
    return this.#items[0];
  }

  push(task: HeapTask): void {
    const i = this.#items.length;
    if (i === this.#priority.length) this.#grow(i * 2);
    this.#items.push(task);
    this.#priority[i] = task.entry.priority;
    this.#created[i] = task.entry.createdAtMs;
    this.#up(i);
  }

  /** Removes the head. */
  pop(): void {
    const last = this.#items.length - 1;
    if (last < 0) return;
    if (last > 0) this.#move(last, 0);
    this.#items.pop();
    if (last > 1) this.#down(0);
    if (this.#priority.length > 64 && last * 4 < this.#priority.length) {
      this.#grow(Math.max(4, last * 2));
    }
  }

  /** Keeps only the tasks `keep` accepts, in heap order again (O(n)). */
  retain(keep: (task: HeapTask) => boolean): void {
    const items = this.#items.filter(keep);
    this.#items = [];
    this.#grow(Math.max(4, items.length * 2));
    for (const task of items) {
      const i = this.#items.length;
      this.#items.push(task);
      this.#priority[i] = task.entry.priority;
      this.#created[i] = task.entry.createdAtMs;
    }
    for (let i = (this.#items.length - 2) >> 2; i >= 0; i--) this.#down(i);
  }

  clear(): void {
    this.#items.length = 0;
    if (this.#priority.length > 64) this.#grow(4);
  }

  #before(i: number, j: number): boolean {
    const pi = this.#priority[i]!;
    const pj = this.#priority[j]!;
    if (pi !== pj) return pi < pj;
    const ci = this.#created[i]!;
    const cj = this.#created[j]!;
    if (ci !== cj) return ci < cj;
    return this.#items[i]!.entry.taskId < this.#items[j]!.entry.taskId;
  }

  #move(from: number, to: number): void {
    this.#items[to] = this.#items[from]!;
    this.#priority[to] = this.#priority[from]!;
    this.#created[to] = this.#created[from]!;
  }

  #swap(i: number, j: number): void {
    const items = this.#items;
    const task = items[i]!;
    items[i] = items[j]!;
    items[j] = task;
    const p = this.#priority[i]!;
    this.#priority[i] = this.#priority[j]!;
    this.#priority[j] = p;
    const c = this.#created[i]!;
    this.#created[i] = this.#created[j]!;
    this.#created[j] = c;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 2;
      if (!this.#before(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) return;
      let child = first;
      const last = Math.min(first + 4, n);
      for (let c = first + 1; c < last; c++) if (this.#before(c, child)) child = c;
      if (!this.#before(child, i)) return;
      this.#swap(i, child);
      i = child;
    }
  }

  /** Resizes the key arrays to `capacity` (≥ size), keeping the keys. */
  #grow(capacity: number): void {
    const n = this.#items.length;
    const priority = new Float64Array(capacity);
    const created = new Float64Array(capacity);
    priority.set(this.#priority.subarray(0, n));
    created.set(this.#created.subarray(0, n));
    this.#priority = priority;
    this.#created = created;
  }
}
