import type { ClientReadableStream } from '@grpc/grpc-js';
import type {
  NewTaskRequest,
  NewTaskResponseOut,
  TaskOutputOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

// WaitTask over real gRPC with a real bot: the result at subscription, then one message per
// change of state, whatever else changes in between (the process starting, a kill asked).

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ChildProcess | undefined;
let stub: TasksClient;
let token: string;

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterAll(async () => {
  await stopProcess(bot);
  stub.close();
  await coord.close();
  dir.remove();
});

function newTask(req: NewTaskRequest): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>((md, cb) => stub.NewTask(req, md, cb), bearer(token));
}

const flavor = (value: string) => [
  { key: 'pool', value: 'default' },
  { key: 'flavor', value },
];

/** Every result of a WaitTask stream; `first` resolves with the first one. */
function follow(taskId: string): { first: Promise<TaskResultOut>; all: Promise<TaskResultOut[]> } {
  const stream: ClientReadableStream<TaskResultOut> = stub.WaitTask(
    { task_id: taskId },
    bearer(token),
    { deadline: Date.now() + 30_000 },
  );
  const seen: TaskResultOut[] = [];
  let firstSeen: (r: TaskResultOut) => void = () => {};
  const first = new Promise<TaskResultOut>((resolve) => {
    firstSeen = resolve;
  });
  const all = new Promise<TaskResultOut[]>((resolve, reject) => {
    stream.on('data', (r: TaskResultOut) => {
      seen.push(r);
      if (seen.length === 1) firstSeen(r);
    });
    stream.on('end', () => resolve(seen));
    stream.on('error', reject);
  });
  return { first, all };
}

/** Resolves once the task has written some output (its process runs). */
function firstOutput(taskId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream: ClientReadableStream<TaskOutputOut> = stub.StreamOutput(
      { task_id: taskId, offset: 0 },
      bearer(token),
      { deadline: Date.now() + 30_000 },
    );
    stream.on('data', () => {
      stream.cancel();
      resolve();
    });
    stream.on('error', () => {});
    stream.on('status', () => reject(new Error(`task ${taskId} ended without output`)));
  });
}

describe('WaitTask', () => {
  it('sends exactly PENDING, RUNNING, COMPLETED for a task that waits, then runs', async () => {
    const created = await newTask({
      task_slices: [
        {
          properties: { command: ['sh', '-c', 'echo hi'], dimensions: flavor('wait-a') },
          wait_for_capacity: true,
        },
      ],
    });
    expect(created.result?.state).toBe('PENDING');
    const wait = follow(created.task_id);
    expect((await wait.first).state).toBe('PENDING');
    bot = await startBotProcess(coord, dir.path, 'wait-bot', ['--dimension', 'flavor=wait-a']);
    const states = (await wait.all).map((r) => r.state);
    expect(states).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
  });

  it('sends nothing for a running process starting or a kill being asked, then the end', async () => {
    const created = await newTask({
      task_slices: [
        {
          properties: {
            command: ['sh', '-c', 'echo started; sleep 30'],
            dimensions: flavor('wait-a'),
          },
        },
      ],
    });
    const wait = follow(created.task_id);
    await firstOutput(created.task_id);
    await call(
      (md, cb) => stub.CancelTask({ task_id: created.task_id, kill_running: true }, md, cb),
      bearer(token),
    );
    const states = (await wait.all).map((r) => r.state);
    // Stored PENDING or RUNNING at once, depending on whether the idle bot took it in the submit.
    expect(states.slice(states.indexOf('RUNNING'))).toEqual(['RUNNING', 'KILLED']);
    expect(states.filter((s) => s === 'PENDING').length).toBeLessThanOrEqual(1);
  });
});
