/** Items arriving from a stream, taken in order by whoever waits, with a deadline. */
export class Mailbox<T> {
  readonly #items: T[] = [];
  #head = 0;
  readonly #waiters = new Set<() => void>();
  #closed: Error | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#wake();
  }

  /** Fails every current and later take(). */
  close(reason: Error): void {
    this.#closed ??= reason;
    this.#wake();
  }

  /** The next item satisfying `pred`; items before it that do not are dropped. */
  async take(timeoutMs: number, pred: (item: T) => boolean = () => true): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      while (this.#head < this.#items.length) {
        const item = this.#items[this.#head++]!;
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items.splice(0, this.#head);
          this.#head = 0;
        }
        if (pred(item)) return item;
      }
      if (this.#closed !== undefined) throw this.#closed;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`nothing arrived within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
