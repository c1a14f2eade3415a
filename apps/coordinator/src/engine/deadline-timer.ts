const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Many deadlines, one Node timer: a min-heap of (atMs, key) with lazy deletion. Scheduling or
 * cancelling is O(log n); a million pending expiries cost a heap, not a million timers.
 */
export class DeadlineTimer {
  readonly #heapAt: number[] = [];
  readonly #heapKey: string[] = [];
  /** key → its live deadline; heap entries that disagree are stale and skipped. */
  readonly #live = new Map<string, number>();
  readonly #clock: () => number;
  readonly #onDue: (key: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #armedAt = Infinity;
  #closed = false;

  constructor(clock: () => number, onDue: (key: string) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  get size(): number {
    return this.#live.size;
  }

  schedule(key: string, atMs: number): void {
    if (this.#closed) return;
    this.#live.set(key, atMs);
    this.#push(atMs, key);
    if (atMs < this.#armedAt) this.#arm();
  }

  cancel(key: string): void {
    this.#live.delete(key);
    // The heap entry goes stale and is dropped when it surfaces.
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#live.clear();
  }

  #arm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
    this.#dropStale();
    if (this.#heapAt.length === 0 || this.#closed) return;
    const atMs = this.#heapAt[0]!;
    this.#armedAt = atMs;
    this.#timer = setTimeout(
      () => this.#fire(),
      Math.max(0, Math.min(MAX_TIMER_MS, atMs - this.#clock())),
    );
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = this.#clock();
    const due: string[] = [];
    for (;;) {
      this.#dropStale();
      if (this.#heapAt.length === 0 || this.#heapAt[0]! > now) break;
      const key = this.#heapKey[0]!;
      this.#pop();
      this.#live.delete(key);
      due.push(key);
    }
    this.#arm();
    for (const key of due) this.#onDue(key);
  }

  #dropStale(): void {
    while (this.#heapAt.length > 0 && this.#live.get(this.#heapKey[0]!) !== this.#heapAt[0]) {
      this.#pop();
    }
  }

  #push(atMs: number, key: string): void {
    const at = this.#heapAt;
    const keys = this.#heapKey;
    let i = at.length;
    at.push(atMs);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (at[parent]! <= atMs) break;
      at[i] = at[parent]!;
      keys[i] = keys[parent]!;
      i = parent;
    }
    at[i] = atMs;
    keys[i] = key;
  }

  #pop(): void {
    const at = this.#heapAt;
    const keys = this.#heapKey;
    const lastAt = at.pop()!;
    const lastKey = keys.pop()!;
    const n = at.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && at[r]! < at[l]! ? r : l;
      if (at[c]! >= lastAt) break;
      at[i] = at[c]!;
      keys[i] = keys[c]!;
      i = c;
    }
    at[i] = lastAt;
    keys[i] = lastKey;
  }
}
