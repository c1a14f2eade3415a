// The fleet history's rings and sampling, with a settable clock and no timer; the samples kept
// in a real SQLite store across a restart.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type BotRecord, type Store } from '@drover/state';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskTransition } from '../../src/engine/task-engine';
import {
  DAY_STEP_MS,
  FleetHistory,
  FleetSampler,
  HOUR_MS,
  Ring,
  type FleetSamplerDeps,
} from '../../src/dashboard/fleet-history';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A real SQLite store in a temp dir (reopened by path). */
function sqliteAt(path: string): Store {
  const store = openSqliteStore({ path });
  stores.push(store);
  return store;
}

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drover-fleet-'));
  dirs.push(dir);
  return join(dir, 'drover.db');
}

/** A sampler over `store`'s samples, no bots, `pending` waiting in pool ci. */
function samplerOn(
  store: Store,
  clock: () => number,
  pending: () => number,
  sampleMs: number,
): FleetSampler {
  const deps: FleetSamplerDeps = {
    store: {
      listBots: async () => [],
      putFleetSample: (s, before) => store.putFleetSample(s, before),
      listFleetSamples: (r, since, limit) => store.listFleetSamples(r, since, limit),
    },
    engine: { events: new EventEmitter<{ transition: [TaskTransition] }>() },
    pendingByPool: () => [{ pool: 'ci', count: pending() }],
    live: {
      isConnected: () => false,
      lastSeenOf: () => undefined,
      quarantinedReasonOf: () => '',
      taskOf: () => undefined,
    },
    clock,
    botDeathTimeoutMs: 60_000,
    sampleMs,
  };
  return new FleetSampler(deps);
}

const zero = { pending: 0, busy: 0, idle: 0, dead: 0 };

describe('Ring', () => {
  it('keeps the newest items, oldest first', () => {
    const r = new Ring<number>(3);
    expect(r.toArray()).toEqual([]);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.size).toBe(3);
    r.push(6);
    expect(r.toArray()).toEqual([4, 5, 6]);
  });
});

describe('FleetHistory', () => {
  it('keeps the last hour at the sampling interval, bounded', () => {
    const h = new FleetHistory(10_000);
    let now = 1_000_000_000_000;
    for (let i = 0; i < 500; i++) {
      now += 10_000;
      h.record(now, new Map([['ci', { ...zero, pending: i }]]));
    }
    const hour = h.samples('hour', now);
    expect(hour).toHaveLength(360);
    expect(hour.at(-1)?.pools[0]).toMatchObject({ pool: 'ci', pending: 499 });
    expect(hour[0]?.atMs).toBe(now - 359 * 10_000);
  });

  it('counts starts and ends per minute since the last sample, per pool', () => {
    const h = new FleetHistory(10_000);
    h.record(0, new Map());
    for (let i = 0; i < 5; i++) h.taskStarted('ci');
    h.taskEnded('ci');
    h.taskEnded('gpu');
    const s = h.record(10_000, new Map([['ci', { ...zero, busy: 2 }]]));
    expect(s.pools).toEqual([
      { pool: 'ci', pending: 0, busy: 2, idle: 0, dead: 0, startedPerMin: 30, endedPerMin: 6 },
      { pool: 'gpu', pending: 0, busy: 0, idle: 0, dead: 0, startedPerMin: 0, endedPerMin: 6 },
    ]);
    // Counted once; a pool once seen stays, at zero.
    const next = h.record(20_000, new Map());
    expect(next.pools.map((p) => [p.pool, p.startedPerMin, p.busy])).toEqual([
      ['ci', 0, 0],
      ['gpu', 0, 0],
    ]);
  });

  it('keeps the day at 5 minutes, each the mean of its samples', () => {
    const h = new FleetHistory(60_000);
    const t0 = 10 * DAY_STEP_MS;
    for (let i = 0; i < 10; i++) {
      h.record(t0 + i * 60_000, new Map([['ci', { ...zero, pending: i < 5 ? 2 : 4 }]]));
    }
    const day = h.samples('day', t0 + 10 * 60_000);
    expect(day.map((s) => s.atMs)).toEqual([t0, t0 + DAY_STEP_MS]);
    expect(day.map((s) => s.pools[0]?.pending)).toEqual([2, 4]);
    // A day later the old windows are gone (288 kept at most).
    for (let i = 0; i < 300; i++) h.record(t0 + (10 + i * 5) * 60_000, new Map());
    const later = h.samples('day', t0 + (10 + 299 * 5) * 60_000);
    expect(later.length).toBeLessThanOrEqual(289);
    expect(later.every((s) => s.pools[0]?.pending === 0)).toBe(true);
  });
});

describe('FleetSampler', () => {
  it('samples pending and bots as /metrics counts them, and transitions as throughput', async () => {
    let now = 1_000_000;
    const events = new EventEmitter<{ transition: [TaskTransition] }>();
    const bot = (id: string, pool: string, lastSeenMs: number) =>
      ({
        id,
        dimensions: [{ key: 'pool', values: [pool] }],
        lastSeenMs,
        admin: { quarantinedReason: '', maintenance: false },
      }) as unknown as BotRecord;
    const bots = [bot('a', 'ci', now), bot('b', 'ci', now), bot('c', 'ci', 0)];
    const samples = sqliteAt(tempDb());
    const sampler = new FleetSampler({
      store: {
        listBots: async () => bots,
        putFleetSample: (row, before) => samples.putFleetSample(row, before),
        listFleetSamples: (r, since, limit) => samples.listFleetSamples(r, since, limit),
      },
      engine: { events },
      pendingByPool: () => [
        { pool: 'ci', count: 7 },
        { pool: '', count: 1 },
      ],
      live: {
        isConnected: (id) => id !== 'c',
        lastSeenOf: () => undefined,
        quarantinedReasonOf: () => '',
        taskOf: (id) => (id === 'a' ? 'task-1' : undefined),
      },
      clock: () => now,
      botDeathTimeoutMs: 60_000,
      sampleMs: 1000,
    });
    sampler.start();
    try {
      await sampler.sampleNow();
      const task = (state: string) =>
        ({
          state,
          spec: { slices: [{ properties: { dimensions: [{ key: 'pool', value: 'ci' }] } }] },
        }) as unknown as TaskTransition['task'];
      events.emit('transition', { task: task('RUNNING'), from: 'PENDING' } as TaskTransition);
      events.emit('transition', { task: task('COMPLETED'), from: 'RUNNING' } as TaskTransition);
      events.emit('transition', { task: task('PENDING') } as TaskTransition);
      now += 1000;
      const s = await sampler.sampleNow();
      expect(s?.pools).toEqual([
        {
          pool: '(none)',
          pending: 1,
          busy: 0,
          idle: 0,
          dead: 0,
          startedPerMin: 0,
          endedPerMin: 0,
        },
        { pool: 'ci', pending: 7, busy: 1, idle: 1, dead: 1, startedPerMin: 60, endedPerMin: 60 },
      ]);
      expect(sampler.history.samples('hour', now)).toHaveLength(2);
    } finally {
      sampler.close();
    }
    expect(events.listenerCount('transition')).toBe(0);
  });

  it('keeps the last hour and day across a restart, from the store, bounded', async () => {
    const path = tempDb();
    const t0 = 100 * DAY_STEP_MS;
    let now = t0;
    let pending = 2;
    const first = samplerOn(
      sqliteAt(path),
      () => now,
      () => pending,
      60_000,
    );
    first.start();
    // 12 minutes at one sample a minute: two closed 5-minute day windows and an open one.
    for (let i = 0; i < 12; i++) {
      if (i === 5) pending = 4;
      if (i === 10) pending = 6;
      await first.sampleNow();
      now += 60_000;
    }
    first.close();
    const before = {
      hour: first.history.samples('hour', now),
      day: first.history.samples('day', now),
    };
    expect(before.hour).toHaveLength(12);
    expect(before.day.map((s) => s.pools[0]?.pending)).toEqual([2, 4, 6]);
    await stores.shift()!.close();

    // The coordinator starts again on the same file: the history is there before a new sample.
    const second = samplerOn(
      sqliteAt(path),
      () => now,
      () => 8,
      60_000,
    );
    second.start();
    const next = await second.sampleNow();
    second.close();
    expect(next?.pools).toEqual([
      { pool: 'ci', pending: 8, busy: 0, idle: 0, dead: 0, startedPerMin: 0, endedPerMin: 0 },
    ]);
    const hour = second.history.samples('hour', now);
    expect(hour.slice(0, 12)).toEqual(before.hour);
    expect(hour).toHaveLength(13);
    // The open window (minutes 10 and 11) went on with the new sample at minute 12.
    const day = second.history.samples('day', now);
    expect(day.map((s) => s.atMs)).toEqual([t0, t0 + DAY_STEP_MS, t0 + 2 * DAY_STEP_MS]);
    expect(day.map((s) => s.pools[0]?.pending)).toEqual([2, 4, round2((6 + 6 + 8) / 3)]);

    // An hour later the old rows are pruned as samples are added: bounded by the ring.
    const store = stores[0]!;
    const third = samplerOn(
      store,
      () => now,
      () => 0,
      60_000,
    );
    for (let i = 0; i < 90; i++) {
      now += 60_000;
      await third.sampleNow();
    }
    const kept = await store.listFleetSamples('hour', 0, 10_000);
    expect(kept.length).toBeLessThanOrEqual(61);
    expect(kept[0]!.atMs).toBeGreaterThanOrEqual(now - HOUR_MS);
  });
});

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
