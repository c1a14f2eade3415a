// Two replicas on one PostgreSQL schema, each with its purge loop: one purges at a time (the
// lease in the store); the other takes over once the holder's lease expires (a replica that died
// mid-purge). Skipped with one line when no server answers at DROVER_TEST_PG_URL.
import { dropPgSchema, openPgStore, pgReachable, type Store } from '@drover/state';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileRetention } from '../../src/retention/retention-config';
import { PURGE_LEASE, TaskPurger } from '../../src/retention/task-purger';
import { DAY_MS, seedFinal, seededTask } from './seed-tasks';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE) console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: skipped');

const T0 = Date.UTC(2026, 0, 1);
const log = pino({ level: 'silent' });

let schema: string;
let a: Store;
let b: Store;
let now: number;
const clock = () => now;

beforeEach(async () => {
  if (!REACHABLE) return;
  schema = `drover_test_${randomBytes(6).toString('hex')}`;
  a = await openPgStore({ url: PG_URL, schema });
  b = await openPgStore({ url: PG_URL, schema });
  now = T0;
});

afterEach(async () => {
  if (!REACHABLE) return;
  await a.close();
  await b.close();
  await dropPgSchema(PG_URL, schema);
});

function purger(store: Store, holder: string): TaskPurger {
  return new TaskPurger({
    store,
    config: compileRetention('90d', { ci: '30d' }),
    clock,
    log,
    holder,
    pauseMs: 2,
  });
}

describe.skipIf(!REACHABLE)('retention with two replicas on PostgreSQL', () => {
  it('only one purges at a time; together they delete every due task once', async () => {
    await seedFinal(a, 'old', 1000, 'ci', T0 - 40 * DAY_MS);
    await b.insertTasks([
      seededTask('young', 'ci', 'COMPLETED', T0 - 20 * DAY_MS),
      seededTask('pending', 'ci', 'PENDING', T0 - 400 * DAY_MS),
      seededTask('running', 'ci', 'RUNNING', T0 - 400 * DAY_MS),
    ]);
    const pa = purger(a, 'replica-a');
    const pb = purger(b, 'replica-b');
    // While a round runs, the lease names its replica; the other's round does nothing.
    const holders = new Set<string>();
    const watch = setInterval(() => {
      a.getLease(PURGE_LEASE).then(
        (l) => {
          if (l !== undefined && l.expiresMs > now) holders.add(l.holder);
        },
        () => undefined,
      );
    }, 5);
    let ra, rb;
    try {
      [ra, rb] = await Promise.all([pa.runRound(), pb.runRound()]);
    } finally {
      clearInterval(watch);
    }
    expect([ra.ran, rb.ran].filter(Boolean)).toHaveLength(1);
    expect(ra.tasks + rb.tasks).toBe(1000);
    expect(holders.size).toBeLessThanOrEqual(1);
    const left = (await a.listTasks({}, { limit: 10 })).tasks.map((t) => t.id).sort();
    expect(left).toEqual(['pending', 'running', 'young']);
  }, 120_000);

  it('a replica that died holding the lease is taken over once it expires', async () => {
    await seedFinal(a, 'old', 600, 'ci', T0 - 40 * DAY_MS);
    // Replica a took the lease and vanished (never renewed nor released).
    expect(await a.acquireLease(PURGE_LEASE, 'replica-a', now, 60_000)).toBe(true);
    const pb = purger(b, 'replica-b');
    expect(await pb.runRound()).toMatchObject({ ran: false, tasks: 0 });
    now += 59_999;
    expect(await pb.runRound()).toMatchObject({ ran: false, tasks: 0 });
    now += 1;
    expect(await pb.runRound()).toMatchObject({ ran: true, tasks: 600 });
    expect(await b.countTasks({})).toBe(0);
  }, 120_000);
});
