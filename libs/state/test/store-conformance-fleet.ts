// The fleet-samples half of the Store conformance suite (FleetStore): every adapter must pass it.
// It speaks only through the Store port; describeStoreConformance() calls it.
import { describe, expect, it } from 'vitest';
import type { FleetSampleRow, Store } from '../src/index';

const T0 = 1_700_000_000_000;

export function describeFleetConformance(ctx: {
  store: () => Store;
  reopen: () => Promise<Store>;
}): void {
  describe('fleet samples', () => {
    it('keeps samples per range across a reopen, oldest first, pruning what the writer says', async () => {
      let store = ctx.store();
      const row = (range: 'hour' | 'day', atMs: number, pools = `[${atMs - T0}]`) =>
        ({ range, atMs, pools }) satisfies FleetSampleRow;
      for (let i = 0; i < 5; i++) await store.putFleetSample(row('hour', T0 + i * 10), 0);
      await store.putFleetSample(row('day', T0), 0);
      store = await ctx.reopen();
      expect(await store.listFleetSamples('hour', 0, 100)).toEqual(
        [0, 1, 2, 3, 4].map((i) => row('hour', T0 + i * 10)),
      );
      expect(await store.listFleetSamples('day', 0, 100)).toEqual([row('day', T0)]);
      // Since a time; the newest `limit`, still oldest first.
      expect((await store.listFleetSamples('hour', T0 + 20, 100)).map((r) => r.atMs)).toEqual([
        T0 + 20,
        T0 + 30,
        T0 + 40,
      ]);
      expect((await store.listFleetSamples('hour', 0, 2)).map((r) => r.atMs)).toEqual([
        T0 + 30,
        T0 + 40,
      ]);
      expect(await store.listFleetSamples('hour', 0, 0)).toEqual([]);
      // A sample at the same time replaces the stored one; a put prunes only its own range.
      await store.putFleetSample(row('hour', T0 + 40, '[{"pool":"ci"}]'), T0 + 25);
      expect(await store.listFleetSamples('hour', 0, 100)).toEqual([
        row('hour', T0 + 30),
        row('hour', T0 + 40, '[{"pool":"ci"}]'),
      ]);
      expect(await store.listFleetSamples('day', 0, 100)).toEqual([row('day', T0)]);
    });
  });
}
