// The fleet history's rings and sampling, with a settable clock and no timer.
import { EventEmitter } from 'node:events';
import type { BotRecord } from '@drover/state';
import { describe, expect, it } from 'vitest';
import type { TaskTransition } from '../../src/engine/task-engine';
import { DAY_STEP_MS, FleetHistory, FleetSampler, Ring } from '../../src/dashboard/fleet-history';

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
    const sampler = new FleetSampler({
      store: { listBots: async () => bots },
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
});
