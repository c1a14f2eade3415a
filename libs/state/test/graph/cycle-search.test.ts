// Cycle detection for new dependency edges: from → to[] must not close a cycle.
import { describe, expect, it } from 'vitest';
import { attemptKey, findCycle, findCycleAsync, type AttemptId } from '../../src/index';

const Q = 'Q'.repeat(43);
const id = (n: number): AttemptId => ({ quest: Q, attempt: n });
const key = (n: number): string => attemptKey(id(n));

/** A graph as forward edges: n → the attempts n depends on. */
function graph(edges: Readonly<Record<number, readonly number[]>>) {
  return (k: string): readonly AttemptId[] | undefined => {
    const n = Number(k.slice(Q.length + 1));
    return edges[n]?.map(id);
  };
}

describe('findCycle', () => {
  it('refuses a self-edge A → A', () => {
    expect(findCycle(id(1), [id(1)], graph({}))).toEqual({ cycle: [key(1), key(1)] });
  });

  it('refuses A → B when B → A', () => {
    expect(findCycle(id(1), [id(2)], graph({ 2: [1] }))).toEqual({
      cycle: [key(1), key(2), key(1)],
    });
  });

  it('refuses an edge closing a longer cycle and names it', () => {
    const g = graph({ 2: [3], 3: [4], 4: [1, 5] });
    expect(findCycle(id(1), [id(5), id(2)], g)).toEqual({
      cycle: [key(1), key(2), key(3), key(4), key(1)],
    });
  });

  it('accepts a diamond', () => {
    // 1 → 2 → 4, 1 → 3 → 4: adding 1 → {2, 3} again, and 5 → 1.
    const g = graph({ 1: [2, 3], 2: [4], 3: [4] });
    expect(findCycle(id(1), [id(2), id(3)], g)).toEqual({ ok: true });
    expect(findCycle(id(5), [id(1)], g)).toEqual({ ok: true });
  });

  it('accepts edges to attempts with no edges', () => {
    expect(findCycle(id(1), [id(2), id(3)], graph({}))).toEqual({ ok: true });
  });

  it('gives up past the visit limit', () => {
    // A chain 2 → 3 → … → 100.
    const edges: Record<number, number[]> = {};
    for (let n = 2; n < 100; n++) edges[n] = [n + 1];
    expect(findCycle(id(1), [id(2)], graph(edges), 10)).toEqual({ tooLarge: 11 });
    expect(findCycle(id(1), [id(2)], graph(edges), 1000)).toEqual({ ok: true });
  });
});

describe('findCycleAsync', () => {
  it('loads one level of the graph per call', async () => {
    const edges = graph({ 2: [3, 4], 3: [5], 4: [5], 5: [1] });
    const calls: (readonly string[])[] = [];
    const verdict = await findCycleAsync(id(1), [id(2)], (keys) => {
      calls.push(keys);
      return Promise.resolve(new Map(keys.map((k) => [k, edges(k) ?? []])));
    });
    expect(verdict).toEqual({ cycle: [key(1), key(2), key(3), key(5), key(1)] });
    expect(calls).toEqual([[key(2)], [key(3), key(4)], [key(5)]]);
  });
});
