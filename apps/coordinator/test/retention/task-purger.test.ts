// The purge loop on a real SQLite store with a settable clock: what is due goes, what is active
// or within its pool's retention stays, a pool override wins, and the database file stops
// growing over repeated submit/purge cycles at one load.
import { openSqliteStore, type Store } from '@drover/state';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileRetention } from '../../src/retention/retention-config';
import { TaskPurger, PURGE_LEASE } from '../../src/retention/task-purger';
import { tempDir } from '../harness';
import { DAY_MS, seedFinal, seededTask } from './seed-tasks';

const T0 = Date.UTC(2026, 0, 1);
const log = pino({ level: 'silent' });

let dir: ReturnType<typeof tempDir>;
let file: string;
let store: Store;
let now: number;
const clock = () => now;

beforeEach(() => {
  dir = tempDir('drover-retention-');
  file = join(dir.path, 'drover.sqlite');
  store = openSqliteStore({ path: file });
  now = T0;
});

afterEach(async () => {
  await store.close();
  dir.remove();
});

function purger(retention: string, pools?: Record<string, string>): TaskPurger {
  return new TaskPurger({
    store,
    config: compileRetention(retention, pools),
    clock,
    log,
    pauseMs: 0,
  });
}

const ids = async (): Promise<string[]> =>
  (await store.listTasks({}, { limit: 1000 })).tasks.map((t) => t.id).sort();

describe('TaskPurger', () => {
  it('purges final tasks past the retention; never PENDING, RUNNING or younger ones', async () => {
    await store.insertTasks([
      seededTask('done-100d', 'ci', 'COMPLETED', T0 - 100 * DAY_MS),
      seededTask('failed-91d', 'ci', 'TIMED_OUT', T0 - 91 * DAY_MS),
      seededTask('done-89d', 'ci', 'COMPLETED', T0 - 89 * DAY_MS),
      seededTask('pending-200d', 'ci', 'PENDING', T0 - 200 * DAY_MS),
      seededTask('running-200d', 'ci', 'RUNNING', T0 - 200 * DAY_MS),
    ]);
    const p = purger('90d');
    const round = await p.runRound();
    expect(round).toMatchObject({ ran: true, tasks: 2 });
    expect(await ids()).toEqual(['done-89d', 'pending-200d', 'running-200d']);
    // A day later (the settable clock) the 89-day-old one is due too; active ones never are.
    now = T0 + 2 * DAY_MS;
    expect(await p.runRound()).toMatchObject({ ran: true, tasks: 1 });
    now = T0 + 1000 * DAY_MS;
    expect(await p.runRound()).toMatchObject({ ran: true, tasks: 0 });
    expect(await ids()).toEqual(['pending-200d', 'running-200d']);
    // The lease is given up after the round.
    expect((await store.getLease(PURGE_LEASE))?.expiresMs).toBe(0);
  });

  it('applies per-pool overrides (shorter, longer, 0 = forever) over the default', async () => {
    await store.insertTasks([
      seededTask('ci-40d', 'ci', 'COMPLETED', T0 - 40 * DAY_MS),
      seededTask('ci-20d', 'ci', 'COMPLETED', T0 - 20 * DAY_MS),
      seededTask('long-100d', 'long', 'COMPLETED', T0 - 100 * DAY_MS),
      seededTask('long-400d', 'long', 'COMPLETED', T0 - 400 * DAY_MS),
      seededTask('keep-900d', 'keep', 'COMPLETED', T0 - 900 * DAY_MS),
      seededTask('other-91d', 'other', 'COMPLETED', T0 - 91 * DAY_MS),
      seededTask('nopool-91d', '', 'COMPLETED', T0 - 91 * DAY_MS),
    ]);
    const p = purger('90d', { ci: '30d', long: '365d', keep: '0' });
    expect(await p.runRound()).toMatchObject({ tasks: 4 });
    expect(await ids()).toEqual(['ci-20d', 'keep-900d', 'long-100d']);
  });

  it('0 keeps every task (no round runs)', async () => {
    await store.insertTask(seededTask('ancient', 'ci', 'COMPLETED', T0 - 5000 * DAY_MS));
    expect(await purger('0').runRound()).toMatchObject({ ran: false, tasks: 0 });
    expect(await ids()).toEqual(['ancient']);
  });

  it('does nothing while another coordinator holds the lease; takes over once it expires', async () => {
    await seedFinal(store, 'old', 1200, 'ci', T0 - 100 * DAY_MS);
    expect(await store.acquireLease(PURGE_LEASE, 'replica-b', now, 60_000)).toBe(true);
    const p = purger('90d');
    expect(await p.runRound()).toMatchObject({ ran: false, tasks: 0 });
    expect(await store.countTasks({})).toBe(1200);
    now += 60_000;
    expect(await p.runRound()).toMatchObject({ ran: true, tasks: 1200 });
  });

  it('keeps batches within PURGE_BATCH_MAX and reports what it deleted', async () => {
    await seedFinal(store, 'old', 3000, 'ci', T0 - 100 * DAY_MS);
    const seen: number[] = [];
    const p = new TaskPurger({
      store,
      config: compileRetention('90d', undefined),
      clock,
      log,
      pauseMs: 0,
      onPurged: (r) => seen.push(r.tasks),
    });
    const round = await p.runRound();
    expect(round.tasks).toBe(3000);
    expect(round.rows).toBeGreaterThan(3000 * 4);
    expect(round.bytes).toBeGreaterThan(3000 * 500);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(Math.max(...seen)).toBeLessThanOrEqual(500);
  });

  it('the database file does not grow over repeated submit/purge cycles at one load', async () => {
    const N = process.env['DROVER_SOAK'] === '1' ? 20_000 : 8_000;
    // Each cycle submits (seeds) N tasks that end during it (8,000; DROVER_SOAK=1: 20,000); the
    // retention is 1.5 cycles,
    // so the purge at the end of cycle k deletes cycle k-2's: the store holds two cycles after
    // each purge, three at the peak. The file is measured closed (WAL checkpointed into it).
    const CYCLE = 10 * DAY_MS;
    const sizes: number[] = [];
    for (let k = 0; k < 5; k++) {
      now = T0 + k * CYCLE;
      let t = performance.now();
      await seedFinal(store, `c${k}`, N, 'ci', now - 20_000);
      const seedMs = performance.now() - t;
      t = performance.now();
      const round = await purger('15d').runRound();
      expect(round.tasks).toBe(k < 2 ? 0 : N);
      await store.close();
      sizes.push(statSync(file).size);
      console.log(
        `retention cycle ${k + 1}: seeded ${N} in ${seedMs.toFixed(0)} ms, purged ${round.tasks} in ${(performance.now() - t).toFixed(0)} ms (${round.batches} batches, longest ${round.longestBatchMs.toFixed(1)} ms), file ${sizes[k]} bytes`,
      );
      store = openSqliteStore({ path: file });
    }
    expect(await store.countTasks({})).toBe(2 * N);
    // Steady from cycle 2 on (two cycles held after each purge): the freed pages are reused,
    // then given back; the file after cycle 5 is no larger than after cycle 2, give or take.
    expect(sizes[4]!).toBeLessThanOrEqual(sizes[1]! * 1.05 + 1024 * 1024);
    expect(sizes[3]!).toBeLessThanOrEqual(sizes[1]! * 1.05 + 1024 * 1024);
    expect(sizes[2]!).toBeLessThanOrEqual(sizes[1]! * 1.05 + 1024 * 1024);
  }, 120_000);
});
