// The secret-bytes half of the Store conformance suite: a task's sealed secret stored with it in
// the insert's transaction (apart from the task row), read back by task id, never stored for an
// insert answered by request_uuid, kept across a reopen; a task with secret bytes is never a
// dedup source. describeStoreConformance() calls it.
import { describe, expect, it } from 'vitest';
import type { Store, Task } from '../src/index';
import { T0, pendingTask, properties, spec } from './fixtures';

const HASH = 'a'.repeat(64);

/** A task whose one slice is idempotent with properties hash HASH. */
function task(id: string, over: Partial<Task> = {}, secret = false): Task {
  const s = spec(
    [
      {
        properties: properties({ idempotent: true }),
        propertiesHash: HASH,
        expirationSecs: 60,
        waitForCapacity: false,
      },
    ],
    secret ? { hasSecretBytes: true } : {},
  );
  return pendingTask(s, { id, ...over });
}

const sealed = (n: number) =>
  Buffer.from(Array.from({ length: 29 + n }, (_, i) => (i * 7 + n) & 255));

export function describeSecretConformance(ctx: {
  store: () => Store;
  reopen: () => Promise<Store>;
}): void {
  describe('secret bytes', () => {
    it('stores a sealed secret with its task, apart from it, and reads it back by id', async () => {
      const store = ctx.store();
      const t = task('s-1', {}, true);
      expect(await store.insertTask(t, { sealedSecret: sealed(1) })).toEqual({ inserted: true });
      await store.insertTask(task('s-plain'));
      expect(await store.getSealedSecret('s-1')).toEqual(sealed(1));
      expect(await store.getSealedSecret('s-plain')).toBeUndefined();
      expect(await store.getSealedSecret('nope')).toBeUndefined();
      expect((await store.getTask('s-1'))?.spec.hasSecretBytes).toBe(true);
      const reopened = await ctx.reopen();
      expect(await reopened.getSealedSecret('s-1')).toEqual(sealed(1));
    });

    it('stores each task of a batch with its own secret; a failed batch stores none', async () => {
      const store = ctx.store();
      const outcomes = await store.insertTasks(
        [task('b-1', {}, true), task('b-2'), task('b-3', {}, true)],
        [{ sealedSecret: sealed(1) }, undefined, { sealedSecret: sealed(3) }],
      );
      expect(outcomes.every((o) => o.inserted)).toBe(true);
      expect(await store.getSealedSecret('b-1')).toEqual(sealed(1));
      expect(await store.getSealedSecret('b-2')).toBeUndefined();
      expect(await store.getSealedSecret('b-3')).toEqual(sealed(3));
      // b-1 exists: the batch fails whole, and b-4's secret is not kept either.
      await expect(
        store.insertTasks(
          [task('b-4', {}, true), task('b-1', {}, true)],
          [{ sealedSecret: sealed(4) }, { sealedSecret: sealed(5) }],
        ),
      ).rejects.toThrow();
      expect(await store.getSealedSecret('b-4')).toBeUndefined();
      expect(await store.getSealedSecret('b-1')).toEqual(sealed(1));
    });

    it('keeps the first secret when request_uuid returns the existing task', async () => {
      const store = ctx.store();
      const first = task('u-1', {
        spec: { ...task('x').spec, requestUuid: 'r-1', hasSecretBytes: true },
      });
      await store.insertTask(first, { sealedSecret: sealed(1) });
      const again = await store.insertTask({ ...first, id: 'u-2' }, { sealedSecret: sealed(2) });
      expect(again.inserted).toBe(false);
      expect(await store.getSealedSecret('u-1')).toEqual(sealed(1));
      expect(await store.getSealedSecret('u-2')).toBeUndefined();
    });

    it('never finds a task with secret bytes as a dedup source', async () => {
      const store = ctx.store();
      const done = (id: string, secret: boolean, atMs: number): Task => ({
        ...task(id, {}, secret),
        state: 'COMPLETED',
        exitCode: 0,
        startedAtMs: atMs - 1,
        completedAtMs: atMs,
        modifiedAtMs: atMs,
      });
      await store.insertTask(done('d-secret', true, T0 + 10), { sealedSecret: sealed(1) });
      expect(await store.findDedupSource(HASH, T0)).toBeUndefined();
      await store.insertTask(done('d-plain', false, T0 + 5));
      expect((await store.findDedupSource(HASH, T0))?.id).toBe('d-plain');
      // Completed through updateTask too (the usual way): still not a source.
      const running = {
        ...task('d-run', {}, true),
        state: 'RUNNING' as const,
        botId: 'b',
        leaseId: 'l',
      };
      await store.insertTask(running, { sealedSecret: sealed(2) });
      await store.updateTask(
        { ...running, state: 'COMPLETED', exitCode: 0, completedAtMs: T0 + 20, revision: 1 },
        { revision: 0 },
      );
      expect((await store.findDedupSource(HASH, T0))?.id).toBe('d-plain');
    });
  });
}
