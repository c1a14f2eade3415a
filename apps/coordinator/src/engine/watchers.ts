/** Per-key listeners without EventEmitter's listener limits; a throwing listener is isolated. */
export class Watchers<T> {
  readonly #byKey = new Map<string, Set<(value: T) => void>>();

  /** Calls `fn` on every notify for `key` until the returned function is called. */
  watch(key: string, fn: (value: T) => void): () => void {
    let set = this.#byKey.get(key);
    if (set === undefined) this.#byKey.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      const s = this.#byKey.get(key);
      if (s === undefined) return;
      s.delete(fn);
      if (s.size === 0) this.#byKey.delete(key);
    };
  }

  notify(key: string, value: T): void {
    const set = this.#byKey.get(key);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        fn(value);
      } catch {
        // A watcher's failure is its own; the others still hear about the change.
      }
    }
  }

  /** Whether anyone watches `key` (a change worth reading the store for). */
  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  get size(): number {
    return this.#byKey.size;
  }
}
