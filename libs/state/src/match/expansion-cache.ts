import type { KeyValue } from '../task/types';
import { dimensionSetKey, pairKey } from './dispatch-queue';
import { expandOrDimensions } from './match-dimensions';

/** One OR-free dimension set and its queue key. */
export interface ExpandedSet {
  readonly key: string;
  readonly dimensions: readonly KeyValue[];
}

/**
 * expandOrDimensions with its queue keys, remembered by the request's spelling: tasks mostly
 * repeat a few dimension lists, and expanding (split, sort, dedupe) costs more than the lookup.
 * Holds at most `capacity` spellings, the oldest forgotten first.
 */
export class ExpansionCache {
  readonly #capacity: number;
  readonly #bySpelling = new Map<string, readonly ExpandedSet[]>();

  constructor(capacity = 4096) {
    this.#capacity = capacity;
  }

  expand(dimensions: readonly KeyValue[]): readonly ExpandedSet[] {
    let spelling = '';
    for (const { key, value } of dimensions) spelling += pairKey(key, value);
    let sets = this.#bySpelling.get(spelling);
    if (sets === undefined) {
      sets = expandOrDimensions(dimensions).map((set) => ({
        key: dimensionSetKey(set),
        dimensions: set,
      }));
      if (this.#bySpelling.size >= this.#capacity) {
        this.#bySpelling.delete(this.#bySpelling.keys().next().value!);
      }
      this.#bySpelling.set(spelling, sets);
    }
    return sets;
  }
}
