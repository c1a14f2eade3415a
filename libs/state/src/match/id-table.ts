const EMPTY = 0;
const TOMBSTONE = 1;
const MIN_CAPACITY = 16;

/**
 * A string-keyed hash table: open addressing with linear probing over one array holding, per
 * slot, the key's hash (a small integer), the key and the value side by side.
 *
 * Why not a Map: inserting a new key into a V8 Map of ~1M string keys costs ~1 µs (its bucket
 * chains lead through scattered entries and key strings: several cache misses), which was most
 * of the cost of placing a task in a deep index. Here a lookup reads one slot (and usually the
 * next ones in the same cache line) and compares hashes before touching a key. The load stays
 * ≤ 3/4 counting tombstones; a rehash leaves it ≤ 1/2, then ≥ n/4 inserts pass before the next.
 */
export class IdTable<V> {
  /** 3 entries per slot: hash (EMPTY, TOMBSTONE or ≥ 2), key, value. */
  #slots: unknown[] = newSlots(MIN_CAPACITY);
  #mask = MIN_CAPACITY - 1;
  #live = 0;
  /** Slots that are not EMPTY: live entries and tombstones. */
  #used = 0;

  get size(): number {
    return this.#live;
  }

  get(key: string): V | undefined {
    const at = this.#find(key, hashOf(key));
    return at < 0 ? undefined : (this.#slots[3 * at + 2] as V);
  }

  has(key: string): boolean {
    return this.#find(key, hashOf(key)) >= 0;
  }

  /** Sets the value of `key`; returns the value it replaced, if any. */
  set(key: string, value: V): V | undefined {
    const hash = hashOf(key);
    const found = this.#find(key, hash);
    const slots = this.#slots;
    if (found >= 0) {
      const previous = slots[3 * found + 2] as V;
      slots[3 * found + 2] = value;
      return previous;
    }
    let i = hash & this.#mask;
    while ((slots[3 * i] as number) > TOMBSTONE) i = (i + 1) & this.#mask;
    if (slots[3 * i] === EMPTY) this.#used++;
    slots[3 * i] = hash;
    slots[3 * i + 1] = key;
    slots[3 * i + 2] = value;
    this.#live++;
    if (this.#used * 4 > this.#capacity * 3) this.#rehash();
    return undefined;
  }

  delete(key: string): boolean {
    const at = this.#find(key, hashOf(key));
    if (at < 0) return false;
    this.#slots[3 * at] = TOMBSTONE;
    this.#slots[3 * at + 1] = undefined;
    this.#slots[3 * at + 2] = undefined;
    this.#live--;
    if (this.#capacity > 1024 && this.#live * 8 < this.#capacity) this.#rehash();
    return true;
  }

  get #capacity(): number {
    return this.#mask + 1;
  }

  #find(key: string, hash: number): number {
    const slots = this.#slots;
    let i = hash & this.#mask;
    for (;;) {
      const h = slots[3 * i] as number;
      if (h === EMPTY) return -1;
      if (h === hash && slots[3 * i + 1] === key) return i;
      i = (i + 1) & this.#mask;
    }
  }

  /** Into a table at most half full. */
  #rehash(): void {
    let capacity = MIN_CAPACITY;
    while (capacity < this.#live * 2) capacity *= 2;
    const old = this.#slots;
    const slots = newSlots(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 3) {
      const h = old[j] as number;
      if (h <= TOMBSTONE) continue;
      let i = h & mask;
      while (slots[3 * i] !== EMPTY) i = (i + 1) & mask;
      slots[3 * i] = h;
      slots[3 * i + 1] = old[j + 1];
      slots[3 * i + 2] = old[j + 2];
    }
    this.#slots = slots;
    this.#mask = mask;
    this.#used = this.#live;
  }
}

/** Filled by push: `new Array(n)` of a large n makes a slow, dictionary-backed array. */
function newSlots(capacity: number): unknown[] {
  const slots: unknown[] = [];
  for (let i = 0; i < 3 * capacity; i++) slots.push(EMPTY);
  return slots;
}

/** FNV-1a in 30 bits (a V8 small integer), made ≥ 2: 0 and 1 mark empty slots and tombstones. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h &= 0x3fffffff;
  return h < 2 ? h + 2 : h;
}
