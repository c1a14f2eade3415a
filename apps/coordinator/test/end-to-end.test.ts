import type { ClientReadableStream } from '@grpc/grpc-js';
import type {
  NewTaskResponseOut,
  TaskOutputOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import {
  bearer,
  call,
  readToken,
  startTestCoordinator,
  tasksStub,
  tempDir,
  waitForEvent,
} from './harness';

const BOT_BIN = fileURLToPath(new URL('../../bot/bin/drover-bot.js', import.meta.url));

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ChildProcess | undefined;
let stub: TasksClient;
let token: string;

function startBot(server: string): ChildProcess {
  return spawn(
    process.execPath,
    [BOT_BIN, '--server', server, '--data-dir', dir.path, '--id', 'e2e-bot', '--pool', 'default'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DROVER_LOG_LEVEL: 'warn' } },
  );
}

async function stopBot(): Promise<void> {
  if (bot === undefined || bot.exitCode !== null || bot.signalCode !== null) return;
  const exited = once(bot, 'exit');
  bot.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  token = readToken(dir.path, 'client');
  stub = tasksStub(coord.grpcAddress);
  const connected = waitForEvent<string>(
    coord.registry.events,
    'connected',
    (id) => id === 'e2e-bot',
    20_000,
  );
  bot = startBot(coord.grpcAddress);
  await connected;
});

afterAll(async () => {
  await stopBot();
  stub.close();
  await coord.close();
  dir.remove();
});

function collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  const items: T[] = [];
  stream.on('data', (item: T) => items.push(item));
  return new Promise((resolve, reject) => {
    stream.on('end', () => resolve(items));
    stream.on('error', reject);
  });
}

describe('the whole path: submit → bot process → result', () => {
  let taskId = '';

  it('runs sh -c "echo hi; exit 3" on a real bot: COMPLETED, exit 3, output hi', async () => {
    const created = await call<NewTaskResponseOut>(
      (md, cb) =>
        stub.NewTask(
          {
            name: 'hello',
            task_slices: [
              {
                properties: {
                  command: ['sh', '-c', 'echo hi; exit 3'],
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
    taskId = created.task_id;
    expect(['PENDING', 'RUNNING']).toContain(created.result?.state);

    const seen = await collect<TaskResultOut>(stub.WaitTask({ task_id: taskId }, bearer(token)));
    const states = seen.map((r) => r.state);
    expect(states.at(-1)).toBe('COMPLETED');
    expect(states).toContain('COMPLETED');
    const final = seen.at(-1)!;
    expect(final.exit_code).toBe(3);
    expect(final.failure).toBe(true);
    expect(final.bot_id).toBe('e2e-bot');
    expect(final.started_ts).not.toBeNull();
    expect(final.completed_ts).not.toBeNull();
    expect(final.output_size).toBe(3);

    const out = await call<TaskOutputOut>(
      (md, cb) => stub.GetStdout({ task_id: taskId }, md, cb),
      bearer(token),
    );
    expect(out.output.toString()).toBe('hi\n');
  });

  it('streams output from an offset and ends once the task is final', async () => {
    const chunks = await collect<TaskOutputOut>(
      stub.StreamOutput({ task_id: taskId, offset: 1 }, bearer(token)),
    );
    expect(Buffer.concat(chunks.map((c) => c.output)).toString()).toBe('i\n');
  });

  it('keeps the result and the output across a coordinator restart on the same data dir', async () => {
    await stopBot();
    stub.close();
    await coord.close();
    coord = await startTestCoordinator(dir.path);
    stub = tasksStub(coord.grpcAddress);
    const result = await call<TaskResultOut>(
      (md, cb) => stub.GetResult({ task_id: taskId }, md, cb),
      bearer(token),
    );
    expect(result.state).toBe('COMPLETED');
    expect(result.exit_code).toBe(3);
    const out = await call<TaskOutputOut>(
      (md, cb) => stub.GetStdout({ task_id: taskId }, md, cb),
      bearer(token),
    );
    expect(out.output.toString()).toBe('hi\n');
  });
});

describe('cancel', () => {
  it('cancels a PENDING task: CANCELED with abandoned_ts, and a second cancel changes nothing', async () => {
    // No bot of pool "later" is connected, but one is waited for: the task stays PENDING.
    const created = await call<NewTaskResponseOut>(
      (md, cb) =>
        stub.NewTask(
          {
            task_slices: [
              {
                properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'later' }] },
                wait_for_capacity: true,
              },
            ],
          },
          md,
          cb,
        ),
      bearer(token),
    );
    expect(created.result?.state).toBe('PENDING');
    const first = await call<{ canceled: boolean; state: string }>(
      (md, cb) => stub.CancelTask({ task_id: created.task_id }, md, cb),
      bearer(token),
    );
    expect(first).toMatchObject({ canceled: true, state: 'CANCELED' });
    const again = await call<{ canceled: boolean; state: string }>(
      (md, cb) => stub.CancelTask({ task_id: created.task_id }, md, cb),
      bearer(token),
    );
    expect(again).toMatchObject({ canceled: false, state: 'CANCELED' });
    const result = await call<TaskResultOut>(
      (md, cb) => stub.GetResult({ task_id: created.task_id }, md, cb),
      bearer(token),
    );
    expect(result.state).toBe('CANCELED');
    expect(result.abandoned_ts).not.toBeNull();
  });
});
