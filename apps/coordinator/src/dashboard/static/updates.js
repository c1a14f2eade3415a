// Which live updates a list draws (a browser module with no DOM, unit-tested in node).

/**
 * Each item's newest update among `items` (the last received for its id, at the place of its
 * first), leaving out one older than what the list shows of it: `shownMs(id)` is the modified
 * time of the shown copy, undefined when not shown. Updates received while a load was on its way
 * are drawn again over its answer through this: an answer read after an update must not be
 * undone by it, and a state the item has left must not be drawn back.
 * @template T
 * @param {readonly T[]} items
 * @param {(item: T) => string} idOf
 * @param {(item: T) => number} modifiedMs
 * @param {(id: string) => number | undefined} shownMs
 * @returns {T[]}
 */
export function newestUpdates(items, idOf, modifiedMs, shownMs) {
  /** @type {Map<string, T>} */
  const newest = new Map();
  for (const item of items) newest.set(idOf(item), item);
  return [...newest.values()].filter((item) => {
    const shown = shownMs(idOf(item));
    return shown === undefined || modifiedMs(item) >= shown;
  });
}

/**
 * The live updates a list received while each of its loads was on its way: the load's answer may
 * have been read before them, so the list draws them again over it.
 * @template T
 */
export class UpdatesDuringLoads {
  /** @type {Set<T[]>} */
  #open = new Set();

  /**
   * A load starts: `since` collects the updates received until `end()` (call it however the
   * load ends).
   * @returns {{ since: T[], end: () => void }}
   */
  begin() {
    /** @type {T[]} */
    const since = [];
    this.#open.add(since);
    return { since, end: () => this.#open.delete(since) };
  }

  /** Updates received: each load on its way keeps them. @param {readonly T[]} items */
  received(items) {
    for (const since of this.#open) for (const item of items) since.push(item);
  }
}
