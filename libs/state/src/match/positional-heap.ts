/** An element that knows where it sits in its heap, so that it can be removed in O(log n). */
export interface HeapElement {
  /** Index in the heap's array; -1 when not in a heap. Owned by the heap. */
  heapPos: number;
}

/**
 * A binary min-heap whose elements carry their own position: push, pop, peek and remove of any
 * element are O(log n) with no search. An element belongs to at most one heap at a time.
 */
export class PositionalHeap<T extends HeapElement> {
  readonly #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  /** `before(a, b)`: a comes out first. */
  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.heapPos = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapPos);
  }

  /** Removes `item` from wherever it sits; false when it is not in this heap. */
  remove(item: T): boolean {
    const i = item.heapPos;
    if (i < 0 || this.#items[i] !== item) return false;
    const last = this.#items.pop()!;
    item.heapPos = -1;
    if (last !== item) {
      this.#items[i] = last;
      last.heapPos = i;
      if (i > 0 && this.#before(last, this.#items[(i - 1) >> 1]!)) this.#up(i);
      else this.#down(i);
    }
    return true;
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i]!;
    while (i > 0) {
      const parentAt = (i - 1) >> 1;
      const parent = items[parentAt]!;
      if (!this.#before(item, parent)) break;
      items[i] = parent;
      parent.heapPos = i;
      i = parentAt;
    }
    items[i] = item;
    item.heapPos = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#before(items[right]!, items[left]!) ? right : left;
      const childItem = items[child]!;
      if (!this.#before(childItem, item)) break;
      items[i] = childItem;
      childItem.heapPos = i;
      i = child;
    }
    items[i] = item;
    item.heapPos = i;
  }
}
