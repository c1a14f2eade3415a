// The CAS half of the Store conformance suite: blobs touched (created once, touched later),
// uploaders, task references with their pools, running referrers, and the GC's garbage list and
// conditional delete. describeStoreConformance() calls it.
import { describe, expect, it } from 'vitest';
import type { Store } from '../src/index';
import { T0, pendingTask, slice, spec } from './fixtures';

const H = (c: string) => c.repeat(64);

export function describeCasConformance(ctx: {
  store: () => Store;
  reopen: () => Promise<Store>;
}): void {
  describe('CAS records', () => {
    it('records a blob once, touches it later, and keeps it across a reopen', async () => {
      const store = ctx.store();
      expect(await store.getCasBlob(H('a'))).toBeUndefined();
      await store.touchCasBlobs([{ hash: H('a'), sizeBytes: 3 }], T0);
      await store.touchCasBlobs([{ hash: H('a'), sizeBytes: 3 }], T0 + 10);
      // An older touch never moves it back.
      await store.touchCasBlobs([{ hash: H('a'), sizeBytes: 3 }], T0 + 5);
      const reopened = await ctx.reopen();
      expect(await reopened.getCasBlob(H('a'))).toEqual({
        hash: H('a'),
        sizeBytes: 3,
        createdMs: T0,
        touchedMs: T0 + 10,
      });
      expect(await reopened.casTotals()).toEqual({ blobs: 1, bytes: 3 });
    });

    it('records uploaders, each once', async () => {
      const store = ctx.store();
      await store.touchCasBlobs(
        [
          { hash: H('a'), sizeBytes: 1 },
          { hash: H('b'), sizeBytes: 2 },
          { hash: H('a'), sizeBytes: 1 },
        ],
        T0,
        'client:alice',
      );
      await store.touchCasBlobs([{ hash: H('a'), sizeBytes: 1 }], T0 + 1, 'client:alice');
      await store.touchCasBlobs([{ hash: H('a'), sizeBytes: 1 }], T0 + 2);
      expect(await store.isCasUploader(H('a'), 'client:alice')).toBe(true);
      expect(await store.isCasUploader(H('b'), 'client:alice')).toBe(true);
      expect(await store.isCasUploader(H('a'), 'client:bob')).toBe(false);
      expect(await store.isCasUploader(H('c'), 'client:alice')).toBe(false);
      expect(await store.casTotals()).toEqual({ blobs: 2, bytes: 3 });
    });

    it('records task references with the pool, and the running tasks referencing a blob', async () => {
      const store = ctx.store();
      await store.insertTask(pendingTask(spec([slice(60)]), { id: 'ci-1' }));
      await store.insertTask(
        pendingTask(spec([slice(60)]), {
          id: 'ci-2',
          state: 'RUNNING',
          botId: 'bot-7',
          leaseId: 'l',
          startedAtMs: T0,
        }),
      );
      await store.addCasReferences('ci-1', 'ci', [H('a'), H('b'), H('a')]);
      await store.addCasReferences('ci-1', 'ci', [H('a')]);
      await store.addCasReferences('ci-2', 'gpu|ci', [H('a')]);
      expect(await store.casReferencePools(H('a'), 10)).toEqual(['ci', 'gpu|ci']);
      expect(await store.casReferencePools(H('b'), 10)).toEqual(['ci']);
      expect(await store.casReferencePools(H('c'), 10)).toEqual([]);
      expect(await store.isCasReferencedByTask(H('b'), ['x', 'ci-1'])).toBe(true);
      expect(await store.isCasReferencedByTask(H('b'), ['ci-2'])).toBe(false);
      expect(await store.isCasReferencedByTask(H('b'), [])).toBe(false);
      expect(await store.casRunningReferrers(H('a'), 10)).toEqual([
        { taskId: 'ci-2', botId: 'bot-7' },
      ]);
      expect(await store.casRunningReferrers(H('b'), 10)).toEqual([]);
    });

    it('records the references given with a task in its insert, never for an existing task', async () => {
      const store = ctx.store();
      const t = pendingTask(spec([slice(60)], { requestUuid: 'r-1' }), { id: 'with-inputs' });
      expect(await store.insertTask(t, { casReferences: [H('a'), H('b'), H('a')] })).toEqual({
        inserted: true,
      });
      expect(await store.isCasReferencedByTask(H('a'), ['with-inputs'])).toBe(true);
      expect(await store.isCasReferencedByTask(H('b'), ['with-inputs'])).toBe(true);
      const again = pendingTask(spec([slice(60)], { requestUuid: 'r-1' }), { id: 'again' });
      const out = await store.insertTasks([again], [{ casReferences: [H('c')] }]);
      expect(out[0]!.inserted).toBe(false);
      expect(await store.casReferencePools(H('c'), 10)).toEqual([]);
      const batch = pendingTask(spec([slice(60)]), { id: 'in-batch' });
      await store.insertTasks([batch], [{ casReferences: [H('d')] }]);
      expect(await store.isCasReferencedByTask(H('d'), ['in-batch'])).toBe(true);
    });

    it('lists as garbage only unreferenced blobs untouched before the cutoff, oldest first', async () => {
      const store = ctx.store();
      await store.insertTask(pendingTask(spec([slice(60)]), { id: 'keep' }));
      await store.touchCasBlobs([{ hash: H('b'), sizeBytes: 2 }], T0 + 2);
      await store.touchCasBlobs([{ hash: H('a'), sizeBytes: 1 }], T0 + 1);
      await store.touchCasBlobs([{ hash: H('c'), sizeBytes: 3 }], T0 + 3);
      await store.touchCasBlobs([{ hash: H('d'), sizeBytes: 4 }], T0 + 100);
      await store.addCasReferences('keep', '', [H('c')]);
      expect(await store.listCasGarbage(T0 + 50, 10)).toEqual([
        { hash: H('a'), sizeBytes: 1 },
        { hash: H('b'), sizeBytes: 2 },
      ]);
      expect(await store.listCasGarbage(T0 + 50, 1)).toEqual([{ hash: H('a'), sizeBytes: 1 }]);
    });

    it('deletes a blob only while it is still garbage', async () => {
      const store = ctx.store();
      await store.insertTask(pendingTask(spec([slice(60)]), { id: 'keep' }));
      await store.touchCasBlobs([{ hash: H('a'), sizeBytes: 1 }], T0, 'client:alice');
      await store.touchCasBlobs([{ hash: H('b'), sizeBytes: 1 }], T0);
      await store.touchCasBlobs([{ hash: H('c'), sizeBytes: 1 }], T0);
      // Touched after the sweep listed it: stays.
      await store.touchCasBlobs([{ hash: H('b'), sizeBytes: 1 }], T0 + 100);
      // Referenced meanwhile: stays.
      await store.addCasReferences('keep', '', [H('c')]);
      expect(await store.deleteCasBlobIfGarbage(H('a'), T0 + 50)).toBe(true);
      expect(await store.deleteCasBlobIfGarbage(H('a'), T0 + 50)).toBe(false);
      expect(await store.deleteCasBlobIfGarbage(H('b'), T0 + 50)).toBe(false);
      expect(await store.deleteCasBlobIfGarbage(H('c'), T0 + 50)).toBe(false);
      expect(await store.getCasBlob(H('a'))).toBeUndefined();
      expect(await store.isCasUploader(H('a'), 'client:alice')).toBe(false);
      expect((await store.getCasBlob(H('b')))?.touchedMs).toBe(T0 + 100);
      expect(await store.casTotals()).toEqual({ blobs: 2, bytes: 2 });
    });
  });
}
