// Two events applied to one RUNNING task at the same time (a bot's TaskStarted and a client's
// cancel): the engine on a real SQLite file, a fleet of one fake bot (no gRPC needed here).
import type { CoordinatorMessage } from '@drover/protocol';
import { openSqliteStore, type BotDimensionMap, type Store, type TaskSpec } from '@drover/state';
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

describe('TaskEngine: events racing on one task', () => {
  let dir: { path: string; remove: () => void };
  let store: Store;
  let engine: TaskEngine;
  let fleet: OneBotFleet;

  beforeEach(() => {
    dir = tempDir('drover-engine-');
    store = openSqliteStore({ path: `${dir.path}/drover.db` });
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
    engine.close();
    await store.close();
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
