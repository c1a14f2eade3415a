import { status, type ServiceError } from '@grpc/grpc-js';
import type {
  NewTaskResponseOut,
  TaskPropertiesOut,
  TaskRequestOut,
  TasksClient,
} from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from './harness';
import { ScriptedBot } from './scripted-bot';

/**
 * A task's own bot_ping_tolerance_secs through a real coordinator: refused at NewTask
 * outside 30..1200 naming the field, returned by GetRequest before and after a bot took the task.
 * How it judges the bot's silence is tested on a fake clock (test/unit/task-ping-tolerance).
 */

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: TasksClient;
let token: string;
const bots: ScriptedBot[] = [];

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterEach(async () => {
  for (const b of bots.splice(0)) b.crash();
  stub.close();
  await coord.close();
  dir.remove();
});

function submit(extra: Partial<TaskPropertiesOut>): Promise<NewTaskResponseOut> {
  const properties = { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] };
  return call<NewTaskResponseOut>(
    (md, cb) =>
      stub.NewTask(
        { task_slices: [{ properties: { ...properties, ...extra }, wait_for_capacity: true }] },
        md,
        cb,
      ),
    bearer(token),
  );
}

function getRequest(taskId: string): Promise<TaskRequestOut> {
  return call<TaskRequestOut>(
    (md, cb) => stub.GetRequest({ task_id: taskId }, md, cb),
    bearer(token),
  );
}

describe('bot_ping_tolerance_secs over gRPC', () => {
  it.each([29, 1201, 0])('answers INVALID_ARGUMENT naming the field for %i', async (secs) => {
    const err = (await submit({ bot_ping_tolerance_secs: secs }).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^task_slices\[0\]\.properties\.bot_ping_tolerance_secs: /);
  });

  it('returns it in GetRequest, also once a bot runs the task; a task without one has none', async () => {
    const res = await submit({ bot_ping_tolerance_secs: 300 });
    expect((await getRequest(res.task_id)).task_slices[0]!.properties).toMatchObject({
      bot_ping_tolerance_secs: 300,
    });
    const b = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
    bots.push(b);
    b.hello('tolerant', [], [{ key: 'pool', value: ['default'] }]);
    const assign = (await b.next((m) => m.msg === 'assign')).assign!;
    expect(assign.task_id).toBe(res.task_id);
    b.send({ task_started: { task_id: assign.task_id, lease_id: assign.lease_id } });
    expect((await getRequest(res.task_id)).task_slices[0]!.properties).toMatchObject({
      bot_ping_tolerance_secs: 300,
    });
    const plain = await submit({});
    expect((await getRequest(plain.task_id)).task_slices[0]!.properties).not.toHaveProperty(
      'bot_ping_tolerance_secs',
    );
  });
});
