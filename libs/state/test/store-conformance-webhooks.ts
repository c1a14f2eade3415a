// The webhook half of the Store conformance suite: notifications queued once per
// (task, state), claimed in order per task, settled, kept across a reopen, pruned.
// describeStoreConformance() calls it.
import { describe, expect, it } from 'vitest';
import type { Store } from '../src/index';

const T0 = 1_700_000_000_000;

const note = (taskId: string, state: string, nowMs = T0) => ({
  taskId,
  state,
  url: `http://user:pw@hooks.example/${taskId}`,
  body: JSON.stringify({ task_id: taskId, state }),
  nowMs,
});

export function describeWebhookConformance(ctx: {
  store: () => Store;
  reopen: () => Promise<Store>;
}): void {
  describe('webhook deliveries', () => {
    it('queues a (task, state) once, however often it is asked', async () => {
      const store = ctx.store();
      expect(await store.enqueueWebhook(note('t1', 'PENDING'))).toBe(true);
      expect(await store.enqueueWebhook(note('t1', 'PENDING', T0 + 5))).toBe(false);
      expect(await store.getWebhook('t1', 'PENDING')).toEqual({
        taskId: 't1',
        state: 'PENDING',
        url: 'http://user:pw@hooks.example/t1',
        body: '{"task_id":"t1","state":"PENDING"}',
        createdMs: T0,
        attempts: 0,
        status: 'waiting',
        nextAttemptMs: T0,
        claimedUntilMs: 0,
        lastError: '',
        settledMs: 0,
      });
      expect(await store.getWebhook('t1', 'RUNNING')).toBeUndefined();
    });

    it('claims only the oldest waiting notification of each task, once per attempt', async () => {
      const store = ctx.store();
      await store.enqueueWebhook(note('a', 'PENDING'));
      await store.enqueueWebhook(note('a', 'RUNNING'));
      await store.enqueueWebhook(note('b', 'PENDING', T0 + 1));
      const first = await store.claimWebhooks(T0 + 10, T0 + 1000, 10);
      expect(first.map((d) => [d.taskId, d.state, d.attempts])).toEqual([
        ['a', 'PENDING', 1],
        ['b', 'PENDING', 1],
      ]);
      // Held: nobody else gets them until the claim ends.
      expect(await store.claimWebhooks(T0 + 20, T0 + 1000, 10)).toEqual([]);
      expect(await store.settleWebhook('a', 'PENDING', 1, { kind: 'delivered' }, T0 + 30)).toBe(
        true,
      );
      // Settled once: a second settlement of the same attempt writes nothing.
      expect(await store.settleWebhook('a', 'PENDING', 1, { kind: 'delivered' }, T0 + 31)).toBe(
        false,
      );
      const next = await store.claimWebhooks(T0 + 40, T0 + 1000, 10);
      expect(next.map((d) => [d.taskId, d.state])).toEqual([['a', 'RUNNING']]);
      expect(await store.getWebhook('a', 'PENDING')).toMatchObject({
        status: 'delivered',
        attempts: 1,
        settledMs: T0 + 30,
      });
    });

    it('respects the limit and a claim that ended (a coordinator that died mid-attempt)', async () => {
      const store = ctx.store();
      await store.enqueueWebhook(note('x', 'PENDING'));
      await store.enqueueWebhook(note('y', 'PENDING'));
      expect((await store.claimWebhooks(T0, T0 + 100, 1)).map((d) => d.taskId)).toEqual(['x']);
      expect((await store.claimWebhooks(T0 + 100, T0 + 200, 5)).map((d) => d.taskId)).toEqual([
        'x',
        'y',
      ]);
      // The first claim's attempt is no longer the current one.
      expect(await store.settleWebhook('x', 'PENDING', 1, { kind: 'delivered' }, T0 + 150)).toBe(
        false,
      );
      expect(await store.getWebhook('x', 'PENDING')).toMatchObject({
        attempts: 2,
        status: 'waiting',
      });
    });

    it('retries after the given time, and gives up for good', async () => {
      const store = ctx.store();
      await store.enqueueWebhook(note('r', 'PENDING'));
      await store.claimWebhooks(T0, T0 + 100, 10);
      const retry = { kind: 'retry', atMs: T0 + 500, error: 'HTTP 500' } as const;
      expect(await store.settleWebhook('r', 'PENDING', 1, retry, T0 + 50)).toBe(true);
      expect(await store.getNextWebhookDueMs()).toBe(T0 + 500);
      expect(await store.claimWebhooks(T0 + 499, T0 + 1000, 10)).toEqual([]);
      const again = await store.claimWebhooks(T0 + 500, T0 + 1000, 10);
      expect(again.map((d) => d.attempts)).toEqual([2]);
      expect(await store.getNextWebhookDueMs()).toBe(T0 + 1000);
      const gaveUp = { kind: 'given-up', error: 'refused: loopback' } as const;
      expect(await store.settleWebhook('r', 'PENDING', 2, gaveUp, T0 + 600)).toBe(true);
      expect(await store.getWebhook('r', 'PENDING')).toMatchObject({
        status: 'given-up',
        lastError: 'refused: loopback',
        settledMs: T0 + 600,
      });
      expect(await store.getNextWebhookDueMs()).toBeUndefined();
      expect(await store.claimWebhooks(T0 + 10_000, T0 + 20_000, 10)).toEqual([]);
    });

    it('keeps waiting notifications across a reopen, and prunes only settled old ones', async () => {
      let store = ctx.store();
      await store.enqueueWebhook(note('k', 'PENDING'));
      await store.enqueueWebhook(note('k', 'COMPLETED'));
      await store.enqueueWebhook(note('old', 'COMPLETED'));
      await store.claimWebhooks(T0, T0 + 100, 10);
      await store.settleWebhook('old', 'COMPLETED', 1, { kind: 'delivered' }, T0 + 5);
      await store.close();

      store = await ctx.reopen();
      const claimed = await store.claimWebhooks(T0 + 100, T0 + 200, 10);
      expect(claimed.map((d) => [d.taskId, d.state, d.attempts])).toEqual([['k', 'PENDING', 2]]);
      expect(await store.pruneWebhooks(T0 + 6)).toBe(1);
      expect(await store.getWebhook('old', 'COMPLETED')).toBeUndefined();
      expect(await store.getWebhook('k', 'COMPLETED')).toMatchObject({ status: 'waiting' });
      expect(await store.pruneWebhooks(T0 + 1_000_000)).toBe(0);
    });
  });
}
