// Two events applied to one RUNNING task at the same time (a bot's TaskStarted and a client's
// cancel), on one coordinator and on two replicas sharing PostgreSQL: the engine on a real
// store, a fleet of one fake bot (no gRPC needed here).
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
import { assembleTaskCore, type TaskCore } from '../../src/engine/assemble';
import type { Fleet } from '../../src/engine/fleet';
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
  inputTreeHolders(): ReadonlySet<string> | undefined {
    return undefined;
  }
}

function coreOn(store: Store, fleet: Fleet, cacheRunning: boolean): TaskCore {
  return assembleTaskCore({
    store,
    fleet,
    clock: () => Date.now(),
    log: pino({ level: 'silent' }),
    pingToleranceMs: 60_000,
    cacheRunning,
  });
}

const SPEC: TaskSpec = {
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

/** A task given at once to bot-1, which is idle on `core`'s dispatcher. */
async function runningTaskOn(
  core: TaskCore,
  store: Store,
): Promise<{ id: string; leaseId: string }> {
  core.dispatcher.botReady('bot-1');
  // Several connections open (PostgreSQL): the racing events' reads run side by side.
  await Promise.all(Array.from({ length: 4 }, () => store.getTask('warm-up')));
  const { task } = await core.engine.submit(SPEC);
  const stored = await store.getTask(task.id);
  expect(stored?.state).toBe('RUNNING');
  return { id: task.id, leaseId: stored!.leaseId! };
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
  let core: TaskCore;
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
    fleet = new OneBotFleet();
    core = coreOn(store, fleet, kind === 'SQLite');
  });

  afterEach(async () => {
    if (skip) return;
    core.engine.close();
    await store.close();
    if (schema !== undefined) await dropPgSchema(PG_URL, schema);
    dir.remove();
  });

  function runningTask() {
    return runningTaskOn(core, store);
  }

  it('keeps both a TaskStarted and a cancel that arrive together (neither write undoes the other)', async () => {
    const { id, leaseId } = await runningTask();
    const [started, cancelled] = await Promise.all([
      core.engine.apply(id, { type: 'process-started', leaseId }),
      core.engine.apply(id, { type: 'cancel', killRunning: true }),
    ]);
    expect('task' in started && 'task' in cancelled).toBe(true);
    const stored = await store.getTask(id);
    expect(stored?.state).toBe('RUNNING');
    expect(stored?.processStarted).toBe(true);
    expect(stored?.killRequestedAtMs).not.toBeNull();
    expect(fleet.sent.some((m) => m.kill?.task_id === id)).toBe(true);
  });

  it('keeps one outcome when a dispatch races a cancel of the waiting task', async () => {
    // No idle bot: the task waits.
    const { task } = await core.engine.submit(SPEC);
    expect(task.state).toBe('PENDING');
    const [dispatched, cancelled] = await Promise.all([
      core.engine.apply(task.id, {
        type: 'dispatch',
        botId: 'bot-1',
        botDimensions: [...BOT_DIMS].map(([key, values]) => ({ key, values: [...values] })),
        leaseId: 'lease-race',
      }),
      core.engine.apply(task.id, { type: 'cancel', killRunning: true }),
    ]);
    expect('task' in cancelled).toBe(true);
    const stored = await store.getTask(task.id);
    if ('task' in dispatched) {
      // The dispatch wrote first: the cancel, decided again on the RUNNING task, asks for a kill.
      expect(stored?.state).toBe('RUNNING');
      expect(stored?.killRequestedAtMs).not.toBeNull();
      expect(fleet.sent.some((m) => m.kill?.task_id === task.id)).toBe(true);
    } else {
      expect(stored?.state).toBe('CANCELED');
      expect(stored?.botId ?? null).toBeNull();
    }
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
    const outcomes = await Promise.all([
      core.engine.apply(id, finish),
      core.engine.apply(id, finish),
    ]);
    expect(outcomes.filter((o) => 'task' in o)).toHaveLength(1);
    expect(outcomes.filter((o) => 'refused' in o)).toHaveLength(1);
    expect((await store.getTask(id))?.state).toBe('COMPLETED');
    // Freed once: the bot is idle again, no task is left marked on it.
    expect(core.dispatcher.isBusy('bot-1')).toBe(false);
  });
});

describe.skipIf(!PG)('two replicas sharing PostgreSQL: events racing on one task', () => {
  let schema: string;
  let stores: Store[];
  let cores: TaskCore[];

  beforeEach(async () => {
    schema = `drover_test_${randomBytes(6).toString('hex')}`;
    const first = await openPgStore({ url: PG_URL, schema });
    stores = [first, await openPgStore({ url: PG_URL, schema })];
    cores = stores.map((store) => coreOn(store, new OneBotFleet(), false));
  });

  afterEach(async () => {
    for (const core of cores) core.engine.close();
    for (const store of stores) await store.close();
    await dropPgSchema(PG_URL, schema);
  });

  it('keeps a TaskStarted applied on one replica and a cancel applied on the other at once', async () => {
    const [a, b] = cores as [TaskCore, TaskCore];
    for (let round = 0; round < 5; round++) {
      const { id, leaseId } = await runningTaskOn(a, stores[0]!);
      const [started, cancelled] = await Promise.all([
        a.engine.apply(id, { type: 'process-started', leaseId }),
        b.engine.apply(id, { type: 'cancel', killRunning: true }),
      ]);
      expect('task' in started && 'task' in cancelled).toBe(true);
      const stored = await stores[1]!.getTask(id);
      expect(stored?.state).toBe('RUNNING');
      expect(stored?.processStarted).toBe(true);
      expect(stored?.killRequestedAtMs).not.toBeNull();
      // Both writes counted: created at 0, dispatched at creation (1), then one each.
      expect(stored?.revision).toBe(3);
      // Free bot-1 on replica A for the next round.
      const finished = await a.engine.apply(id, {
        type: 'finish',
        leaseId,
        exitCode: 0,
        durationSecs: 0.1,
        timedOut: 'none',
        killed: true,
        canceled: true,
        clientError: '',
      });
      expect('task' in finished).toBe(true);
    }
  });
});
