import { describe, expect, it } from 'vitest';
import { DeadlineTimer } from '../../src/engine/deadline-timer';
import { WorkQueue } from '../../src/engine/work-queue';

/** Resolves with the keys the timer reports, once `n` of them came. */
function collect(timer: (onDue: (k: string) => void) => DeadlineTimer, n: number) {
  const due: string[] = [];
  let t!: DeadlineTimer;
  const done = new Promise<string[]>((resolve) => {
    t = timer((k) => {
      due.push(k);
      if (due.length === n) resolve(due);
    });
  });
  return { t, done };
}

describe('DeadlineTimer', () => {
  it('reports due keys in deadline order, skipping cancelled and rescheduled ones', async () => {
    const now = 1_000;
    const { t, done } = collect((onDue) => new DeadlineTimer(() => now, onDue), 3);
    t.schedule('c', 990);
    t.schedule('a', 900);
    t.schedule('gone', 950);
    t.schedule('b', 960);
    t.schedule('moved', 970);
    t.cancel('gone');
    t.schedule('moved', 10_000_000); // rescheduled far away: not due
    expect(await done).toEqual(['a', 'b', 'c']);
    expect(t.size).toBe(1);
    t.close();
  });

  it('holds a million deadlines on one timer', () => {
    const t = new DeadlineTimer(
      () => 0,
      () => undefined,
    );
    for (let i = 0; i < 1_000_000; i++) t.schedule(`k${i}`, 1e9 + (i % 1000));
    expect(t.size).toBe(1_000_000);
    t.close();
  });
});

describe('WorkQueue', () => {
  it('is first in, first out across compaction', () => {
    const q = new WorkQueue<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    const out: number[] = [];
    for (let i = 0; i < 3000; i++) out.push(q.shift()!);
    for (let i = 5000; i < 6000; i++) q.push(i);
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
  });
});
