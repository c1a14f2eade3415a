// The coordinator on PostgreSQL (`--store postgres://…`): the same path as on SQLite — a real bot
// runs the task, the result and output are stored in the database, and a coordinator started
// again on it (with a fresh data dir) finds them. Each run in a throwaway schema, dropped after;
// skipped with one line when no server answers at DROVER_TEST_PG_URL.
import type { NewTaskResponseOut, TaskOutputOut, TaskResultOut } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dropPgSchema, pgReachable } from '@drover/state';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import {
  bearer,
  call,
  readToken,
  startBotProcess,
  startTestCoordinator,
  stopProcess,
  tasksStub,
  tempDir,
} from './harness';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE) console.warn(`PostgreSQL not reachable at DROVER_TEST_PG_URL: skipped`);
const SCHEMA = `drover_test_${randomBytes(6).toString('hex')}`;

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  if (REACHABLE) await dropPgSchema(PG_URL, SCHEMA);
});

describe.skipIf(!REACHABLE)('the coordinator on PostgreSQL', () => {
  it('runs a task on a real bot and finds its result and output again from another data dir', async () => {
    const store = { store: PG_URL, storeSchema: SCHEMA };
    const first = tempDir();
    cleanup.push(() => first.remove());
    let coord: RunningCoordinator = await startTestCoordinator(first.path, store);
    cleanup.push(() => coord.close());
    const token = readToken(first.path, 'client');
    const bot: ChildProcess = await startBotProcess(coord, first.path, 'pg-bot', [
      '--pool',
      'default',
    ]);
    cleanup.push(() => stopProcess(bot));
    let stub = tasksStub(coord.grpcAddress);
    const created = await call<NewTaskResponseOut>(
      (md, cb) =>
        stub.NewTask(
          {
            name: 'on postgres',
            task_slices: [
              {
                properties: {
                  command: ['sh', '-c', 'echo from-pg; exit 4'],
                  dimensions: [{ key: 'pool', value: 'default' }],
                },
              },
            ],
          },
          md,
          cb,
        ),
      bearer(token),
    );
    const final = await new Promise<TaskResultOut>((resolve, reject) => {
      let last: TaskResultOut | undefined;
      const s = stub.WaitTask({ task_id: created.task_id }, bearer(token));
      s.on('data', (r: TaskResultOut) => (last = r));
      s.on('end', () => (last === undefined ? reject(new Error('no result')) : resolve(last)));
      s.on('error', reject);
    });
    expect(final.state).toBe('COMPLETED');
    expect(final.exit_code).toBe(4);

    await stopProcess(bot);
    stub.close();
    await coord.close();
    // Another data dir (its own tokens): the tasks are in the database, not in the directory.
    const second = tempDir();
    cleanup.push(() => second.remove());
    coord = await startTestCoordinator(second.path, store);
    stub = tasksStub(coord.grpcAddress);
    cleanup.push(() => stub.close());
    const token2 = readToken(second.path, 'client');
    const again = await call<TaskResultOut>(
      (md, cb) => stub.GetResult({ task_id: created.task_id }, md, cb),
      bearer(token2),
    );
    expect(again.state).toBe('COMPLETED');
    expect(again.exit_code).toBe(4);
    const out = await call<TaskOutputOut>(
      (md, cb) => stub.GetStdout({ task_id: created.task_id }, md, cb),
      bearer(token2),
    );
    expect(out.output.toString()).toBe('from-pg\n');
  });
});
