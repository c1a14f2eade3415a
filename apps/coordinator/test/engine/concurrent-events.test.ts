// Two events applied to one RUNNING task at the same time (a bot's TaskStarted and a client's
// cancel): the engine on a real SQLite file, a fleet of one fake bot (no gRPC needed here).
import type { CoordinatorMessage } from '@drover/protocol';
import {
  dropPgSchema,
  openPgStore,
  openSqliteStore,
  pgReachable,
  type BotDimensionMap,
  type Store,
  type TaskSpec,
} from '@drover/state';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskEngine, type Fleet } from '../../src/engine/task-engine';
import { tempDir } from '../harness';

const BOT_DIMS: BotDimensionMap = new Map([
  ['id', new Set(['bot-1'])],
  ['pool', new Set(['ci'])],
]);

class OneBotFleet implements Fleet {
  readonly sent: CoordinatorMessage[] = [];
  hasCapacity(): boolean {
    return true;
  }
  send(_botId: string, message: CoordinatorMessage): boolean {
    this.sent.push(message);
    return true;
  }
  dimensionsOf(botId: string): BotDimensionMap | undefined {
    return botId === 'bot-1' ? BOT_DIMS : undefined;
  }
  reachableDimensionsOf(botId: string): BotDimensionMap | undefined {
    return this.dimensionsOf(botId);
  }
}

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG = await pgReachable(PG_URL);
if (!PG) console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: its engine case skipped');

/** The store kinds: SQLite (this process its only writer), PostgreSQL (shared, a change feed). */
const STORES = [
  { kind: 'SQLite', skip: false },
  { kind: 'PostgreSQL', skip: !PG },
] as const;

describe.each(STORES)('TaskEngine on $kind: events racing on one task', ({ kind, skip }) => {
  let dir: { path: string; remove: () => void };
  let store: Store;
  let engine: TaskEngine;
  let fleet: OneBotFleet;
  let schema: string | undefined;

  beforeEach(async (ctx) => {
    if (skip) ctx.skip();
    dir = tempDir('drover-engine-');
    if (kind === 'SQLite') {
      store = openSqliteStore({ path: `${dir.path}/drover.db` });
    } else {
      schema = `drover_test_${randomBytes(6).toString('hex')}`;
      store = await openPgStore({ url: PG_URL, schema });
    }
    engine = new TaskEngine({
      store,
      clock: () => Date.now(),
      log: pino({ level: 'silent' }),
      pingToleranceMs: 60_000,
    });
    fleet = new OneBotFleet();
    engine.attachFleet(fleet);
  });

  afterEach(async () => {
    if (skip) return;
    engine.close();
    await store.close();
    if (schema !== undefined) await dropPgSchema(PG_URL, schema);
    dir.remove();
  });

  async function runningTask(): Promise<{ id: string; leaseId: string }> {
    engine.botIdle('bot-1', BOT_DIMS);
    const spec: TaskSpec = {
      name: 'race',
      priority: 100,
      tags: [],
      user: 'alice',
      authenticated: 'alice',
      requestUuid: '',
      parentTaskId: '',
      slices: [
        {
          properties: {
            command: ['true'],
            env: [],
            envPrefixes: [],
            relativeCwd: '',
            dimensions: [{ key: 'pool', value: 'ci' }],
            executionTimeoutSecs: 3600,
            ioTimeoutSecs: 1200,
            gracePeriodSecs: 30,
            idempotent: false,
          },
          expirationSecs: 60,
          waitForCapacity: false,
          propertiesHash: 'hash-race',
        },
      ],
    };
    // Several connections open (PostgreSQL): the racing events' reads run side by side.
    await Promise.all(Array.from({ length: 4 }, () => store.getTask('warm-up')));
    const { task } = await engine.submit(spec);
    const stored = await store.getTask(task.id);
    expect(stored?.state).toBe('RUNNING');
    return { id: task.id, leaseId: stored!.leaseId! };
  }

  it('keeps both a TaskStarted and a cancel that arrive together (neither write undoes the other)', async () => {
    const { id, leaseId } = await runningTask();
    const [started, cancelled] = await Promise.all([
      engine.apply(id, { type: 'process-started', leaseId }),
      engine.apply(id, { type: 'cancel', killRunning: true }),
    ]);
    expect('task' in started && 'task' in cancelled).toBe(true);
    const stored = await store.getTask(id);
    expect(stored?.state).toBe('RUNNING');
    expect(stored?.processStarted).toBe(true);
    expect(stored?.killRequestedAtMs).not.toBeNull();
    expect(fleet.sent.some((m) => m.kill?.task_id === id)).toBe(true);
  });

  it('ends the task once when two finishes race; the second is refused', async () => {
    const { id, leaseId } = await runningTask();
    const finish = {
      type: 'finish' as const,
      leaseId,
      exitCode: 0,
      durationSecs: 0.1,
      timedOut: 'none' as const,
      killed: false,
      canceled: false,
      clientError: '',
    };
    const outcomes = await Promise.all([engine.apply(id, finish), engine.apply(id, finish)]);
    expect(outcomes.filter((o) => 'task' in o)).toHaveLength(1);
    expect(outcomes.filter((o) => 'refused' in o)).toHaveLength(1);
    expect((await store.getTask(id))?.state).toBe('COMPLETED');
    // Freed once: the bot is idle again, no task is left marked on it.
    expect(engine.isBotBusy('bot-1')).toBe(false);
  });
});
