// The retention half of the Store conformance suite: purgeTasks deletes final tasks past their
// pool's cutoff with every row that is only theirs, never an active one or one within retention;
// the purge lease goes to one holder at a time. describeStoreConformance() calls it.
import { describe, expect, it } from 'vitest';
import type { Store, StoredTaskState, Task } from '../src/index';
import { T0, pendingTask, properties, spec } from './fixtures';

const DAY = 86_400_000;

/** A task in `pool` ('' = none), in `state`, that ended (or was last changed) at `endMs`. */
function task(id: string, pool: string, state: StoredTaskState, endMs: number): Task {
  const dims = pool === '' ? [{ key: 'os', value: 'Linux' }] : [{ key: 'pool', value: pool }];
  const base = pendingTask(
    spec(
      [
        {
          properties: properties({ dimensions: dims }),
          expirationSecs: 60,
          waitForCapacity: false,
          propertiesHash: 'c'.repeat(64),
        },
      ],
      { tags: ['purpose:retention', `id:${id}`] },
    ),
    { id, createdAtMs: endMs - 5_000, modifiedAtMs: endMs - 5_000 },
  );
  if (state === 'PENDING') return base;
  const running: Task = {
    ...base,
    state: 'RUNNING',
    botId: 'bot-1',
    leaseId: 'lease-1',
    startedAtMs: endMs - 4_000,
    modifiedAtMs: state === 'RUNNING' ? endMs : endMs - 4_000,
  };
  if (state === 'RUNNING') return running;
  return { ...running, state, completedAtMs: endMs, modifiedAtMs: endMs, exitCode: 0 };
}

/** Stores `t` as its RUNNING self with some output, then its final state (as a bot would). */
async function storeWithOutput(store: Store, t: Task): Promise<void> {
  const running: Task = {
    ...t,
    state: 'RUNNING',
    completedAtMs: null,
    exitCode: null,
    leaseId: 'lease-1',
    botId: 'bot-1',
  };
  await store.insertTask(running);
  await store.appendOutput(t.id, 'lease-1', 0, new TextEncoder().encode('x'.repeat(1000)));
  if (t.state !== 'RUNNING') {
    expect(await store.updateTask({ ...t, revision: 1 }, { revision: 0 })).toBe(true);
  }
}

export function describeRetentionConformance(ctx: {
  store: () => Store;
  reopen: () => Promise<Store>;
  /** A second handle on the same database (another replica); the test closes it. */
  second: () => Promise<Store>;
}): void {
  describe('retention: purgeTasks', () => {
    const now = T0 + 100 * DAY;
    const cutoff = now - 90 * DAY;

    it('deletes final tasks that ended before the cutoff, with their tags, output and webhooks', async () => {
      const store = ctx.store();
      await storeWithOutput(store, task('old-done', 'ci', 'COMPLETED', cutoff - DAY));
      await store.insertTask(task('old-expired', 'ci', 'EXPIRED', cutoff - 1));
      await store.enqueueWebhook({
        taskId: 'old-done',
        state: 'COMPLETED',
        url: 'http://hooks.example/x',
        body: '{}',
        nowMs: cutoff - DAY,
      });
      await storeWithOutput(store, task('young', 'ci', 'COMPLETED', cutoff + 1));
      await store.insertTask(task('old-pending', 'ci', 'PENDING', T0));
      await storeWithOutput(store, task('old-running', 'ci', 'RUNNING', T0));

      const result = await store.purgeTasks({ beforeMs: cutoff, limit: 500 });
      expect(result.tasks).toBe(2);
      expect(result.states).toEqual({ COMPLETED: 1, EXPIRED: 1 });
      // 2 tasks, 4 tags, 1 output chunk, 1 webhook at least.
      expect(result.rows).toBeGreaterThanOrEqual(8);
      expect(result.bytes).toBeGreaterThan(1000);
      expect(await store.getTask('old-done')).toBeUndefined();
      expect(await store.getTask('old-expired')).toBeUndefined();
      expect((await store.readOutput('old-done', 0, 10_000)).length).toBe(0);
      expect(await store.getWebhook('old-done', 'COMPLETED')).toBeUndefined();
      expect(await store.countTasks({ tags: ['id:old-done'] })).toBe(0);
      // Never touched: within the retention, PENDING, RUNNING (however old).
      expect((await store.getTask('young'))?.state).toBe('COMPLETED');
      expect((await store.readOutput('young', 0, 10_000)).length).toBe(1000);
      expect((await store.getTask('old-pending'))?.state).toBe('PENDING');
      expect((await store.getTask('old-running'))?.state).toBe('RUNNING');
      expect((await store.readOutput('old-running', 0, 10_000)).length).toBe(1000);
      expect(await store.purgeTasks({ beforeMs: cutoff, limit: 500 })).toEqual({
        tasks: 0,
        rows: 0,
        bytes: 0,
        states: {},
      });
    });

    it("deletes a task's secret and CAS references with it (they cascade), not the blob records", async () => {
      const store = ctx.store();
      const hash = 'e'.repeat(64);
      await store.touchCasBlobs([{ hash, sizeBytes: 3 }], cutoff - DAY);
      await store.insertTask(task('old-secret', 'ci', 'COMPLETED', cutoff - DAY), {
        sealedSecret: new Uint8Array([1, 2, 3]),
      });
      await store.addCasReferences('old-secret', 'ci', [hash]);
      await store.insertTask(task('young-secret', 'ci', 'COMPLETED', cutoff + DAY), {
        sealedSecret: new Uint8Array([4, 5, 6]),
      });
      expect(await store.casReferencePools(hash, 10)).toEqual(['ci']);
      expect((await store.purgeTasks({ beforeMs: cutoff, limit: 500 })).tasks).toBe(1);
      expect(await store.getSealedSecret('old-secret')).toBeUndefined();
      expect(await store.casReferencePools(hash, 10)).toEqual([]);
      expect(await store.getCasBlob(hash)).toBeDefined();
      expect([...((await store.getSealedSecret('young-secret')) ?? [])]).toEqual([4, 5, 6]);
    });

    it('takes at most `limit` tasks per call, oldest end first', async () => {
      const store = ctx.store();
      const tasks = Array.from({ length: 25 }, (_, i) =>
        task(`t-${String(i).padStart(2, '0')}`, 'ci', 'COMPLETED', cutoff - (25 - i) * 1000),
      );
      await store.insertTasks(tasks);
      const first = await store.purgeTasks({ beforeMs: cutoff, limit: 10 });
      expect(first.tasks).toBe(10);
      expect(await store.getTask('t-09')).toBeUndefined();
      expect(await store.getTask('t-10')).toBeDefined();
      expect((await store.purgeTasks({ beforeMs: cutoff, limit: 10 })).tasks).toBe(10);
      expect((await store.purgeTasks({ beforeMs: cutoff, limit: 10 })).tasks).toBe(5);
      expect((await store.purgeTasks({ beforeMs: cutoff, limit: 10 })).tasks).toBe(0);
    });

    it('applies per-pool cutoffs; a pool cut off at undefined (or no cutoff at all) keeps its tasks', async () => {
      const store = ctx.store();
      await store.insertTasks([
        task('ci-40d', 'ci', 'COMPLETED', now - 40 * DAY),
        task('ci-20d', 'ci', 'COMPLETED', now - 20 * DAY),
        task('gpu-40d', 'gpu', 'COMPLETED', now - 40 * DAY),
        task('gpu-95d', 'gpu', 'KILLED', now - 95 * DAY),
        task('rel-400d', 'release', 'COMPLETED', now - 400 * DAY),
        task('none-95d', '', 'CANCELED', now - 95 * DAY),
      ]);
      expect((await store.purgeTasks({ beforeMs: undefined, pools: {}, limit: 500 })).tasks).toBe(
        0,
      );
      const result = await store.purgeTasks({
        beforeMs: now - 90 * DAY,
        pools: { ci: now - 30 * DAY, release: undefined },
        limit: 500,
      });
      expect(result.tasks).toBe(3);
      const left = (await store.listTasks({}, { limit: 100 })).tasks.map((t) => t.id).sort();
      expect(left).toEqual(['ci-20d', 'gpu-40d', 'rel-400d']);
    });

    it('keeps a dedup source while a task deduplicated from it remains (its output is theirs)', async () => {
      const store = ctx.store();
      await storeWithOutput(store, task('source', 'ci', 'COMPLETED', cutoff - DAY));
      await store.insertTask({
        ...task('copy', 'ci', 'COMPLETED', cutoff + DAY),
        dedupedFrom: 'source',
      });
      expect((await store.purgeTasks({ beforeMs: cutoff, limit: 500 })).tasks).toBe(0);
      expect(await store.getTask('source')).toBeDefined();
      // Once the copy is past the retention too, both go (the copy first, then its source).
      const later = cutoff + 2 * DAY;
      let purged = 0;
      for (let i = 0; i < 3; i++)
        purged += (await store.purgeTasks({ beforeMs: later, limit: 500 })).tasks;
      expect(purged).toBe(2);
      expect(await store.getTask('source')).toBeUndefined();
    });

    it('says what the store weighs', async () => {
      const store = ctx.store();
      await store.insertTask(task('one', 'ci', 'COMPLETED', cutoff));
      expect(await store.sizeBytes()).toBeGreaterThan(0);
      expect(await store.reclaimSpace(100)).toBeGreaterThanOrEqual(0);
    });
  });

  describe('retention: the purge lease', () => {
    it('goes to one holder until it expires or is released; the holder renews it', async () => {
      const store = ctx.store();
      expect(await store.getLease('purge')).toBeUndefined();
      expect(await store.acquireLease('purge', 'a', T0, 60_000)).toBe(true);
      expect(await store.acquireLease('purge', 'b', T0 + 1, 60_000)).toBe(false);
      expect(await store.renewLease('purge', 'b', T0 + 1, 60_000)).toBe(false);
      expect(await store.renewLease('purge', 'a', T0 + 30_000, 60_000)).toBe(true);
      expect(await store.getLease('purge')).toEqual({ holder: 'a', expiresMs: T0 + 90_000 });
      // a's own acquire renews it.
      expect(await store.acquireLease('purge', 'a', T0 + 40_000, 60_000)).toBe(true);
      expect(await store.acquireLease('purge', 'b', T0 + 99_999, 60_000)).toBe(false);
      // Expired: b takes it, and a can no longer renew.
      expect(await store.acquireLease('purge', 'b', T0 + 100_000, 60_000)).toBe(true);
      expect(await store.renewLease('purge', 'a', T0 + 100_001, 60_000)).toBe(false);
      // Released by a non-holder: nothing; by b: a takes it at once.
      await store.releaseLease('purge', 'a');
      expect(await store.acquireLease('purge', 'a', T0 + 100_002, 60_000)).toBe(false);
      await store.releaseLease('purge', 'b');
      expect(await store.acquireLease('purge', 'a', T0 + 100_003, 60_000)).toBe(true);
      // Leases are by name.
      expect(await store.acquireLease('other', 'b', T0 + 100_003, 60_000)).toBe(true);
    });

    it('of two handles asking at once (two replicas), one gets it', async () => {
      const a = ctx.store();
      const b = await ctx.second();
      try {
        for (let round = 0; round < 10; round++) {
          const at = T0 + round * 120_000;
          const got = await Promise.all([
            a.acquireLease('race', 'a', at, 60_000),
            b.acquireLease('race', 'b', at, 60_000),
          ]);
          expect(got.filter(Boolean)).toHaveLength(1);
        }
      } finally {
        await b.close();
      }
    });
  });
}
