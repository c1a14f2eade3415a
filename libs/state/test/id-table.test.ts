// The string-keyed table behind the dispatch index's task lookup.
import { describe, expect, it } from 'vitest';
import { IdTable } from '../src/match/id-table';

describe('IdTable', () => {
  it('sets, replaces, gets and deletes', () => {
    const table = new IdTable<number>();
    expect(table.set('a', 1)).toBeUndefined();
    expect(table.set('a', 2)).toBe(1);
    expect(table.get('a')).toBe(2);
    expect(table.has('b')).toBe(false);
    expect(table.delete('b')).toBe(false);
    expect(table.delete('a')).toBe(true);
    expect(table.get('a')).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('agrees with a Map through growth, tombstones and shrinking', () => {
    const table = new IdTable<number>();
    const map = new Map<string, number>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 200_000; step++) {
      // Grow to ~20k keys, churn, then shrink back.
      const key = `task-${random(step < 150_000 ? 30_000 : 3_000)}`;
      if (random(3) > 0 && step < 150_000) {
        expect(table.set(key, step)).toBe(map.get(key));
        map.set(key, step);
      } else {
        expect(table.delete(key)).toBe(map.delete(key));
      }
      expect(table.size).toBe(map.size);
    }
    for (let i = 0; i < 30_000; i++) expect(table.get(`task-${i}`)).toBe(map.get(`task-${i}`));
  });

  it('tells apart keys with the same characters in other places', () => {
    const table = new IdTable<string>();
    for (const key of ['ab', 'ba', 'a\u0000b', '', 'b\u0000a']) table.set(key, key);
    for (const key of ['ab', 'ba', 'a\u0000b', '', 'b\u0000a']) expect(table.get(key)).toBe(key);
  });
});
