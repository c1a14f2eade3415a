// collect, followOutput and run against the fake Tasks server on 127.0.0.1:0 (real gRPC).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DroverClientError,
  GrpcStatus,
  collect,
  createDroverClient,
  followOutput,
  run,
  type DroverClient,
  type TaskResultOut,
} from '../src/index';
import {
  BROKEN_TASK_ID,
  FAKE_OUTPUT,
  FAKE_TASK_ID,
  HANGING_TASK_ID,
  nextEvent,
  startFakeTasksServer,
  type FakeTasksServer,
} from './support/fake-tasks-server';

let fake: FakeTasksServer;
let client: DroverClient;

beforeAll(async () => {
  fake = await startFakeTasksServer({ token: 't' });
  client = createDroverClient({ server: fake.address, token: 't' });
});
afterAll(async () => {
  client.close();
  await fake.close();
});

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('collect', () => {
  it('yields each final result once, a repeated id counted once, every update seen', async () => {
    const updates: string[] = [];
    const finals = await all(
      collect(client, [FAKE_TASK_ID, FAKE_TASK_ID], { onUpdate: (r) => updates.push(r.state) }),
    );
    expect(finals.map((r) => [r.task_id, r.state, r.exit_code])).toEqual([
      [FAKE_TASK_ID, 'COMPLETED', 3],
    ]);
    expect(updates).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
  });

  it('rejects with the failed stream’s error and cancels the other streams', async () => {
    const cancelled = nextEvent(fake.events, 'cancelled');
    const err = await all(collect(client, [HANGING_TASK_ID, BROKEN_TASK_ID])).catch((e) => e);
    expect(err).toBeInstanceOf(DroverClientError);
    expect((err as DroverClientError).code).toBe(GrpcStatus.UNAVAILABLE);
    expect(await cancelled).toBe('WaitTask');
  });

  it('rejects with NOT_FOUND for an unknown id', async () => {
    const err = await all(collect(client, ['nope'])).catch((e) => e);
    expect((err as DroverClientError).code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('ends with the signal’s reason when aborted, cancelling the streams', async () => {
    const stop = new AbortController();
    const cancelled = nextEvent(fake.events, 'cancelled');
    const reason = new Error('stop');
    const iteration = all(
      collect(client, [HANGING_TASK_ID], {
        signal: stop.signal,
        onUpdate: () => stop.abort(reason),
      }),
    ).catch((e) => e);
    expect(await iteration).toBe(reason);
    expect(await cancelled).toBe('WaitTask');
  });
});

describe('followOutput', () => {
  it('yields the output bytes in order, exactly', async () => {
    const chunks = await all(followOutput(client, FAKE_TASK_ID));
    expect(Buffer.concat(chunks)).toEqual(FAKE_OUTPUT);
  });
});

describe('run', () => {
  it('submits, passes the output and every result on, and returns the final results', async () => {
    const output: Buffer[] = [];
    const ended: Array<[number, TaskResultOut['state']]> = [];
    let ids: readonly string[] = [];
    const outcome = await run(
      client,
      [{ name: 'x', task_slices: [{ properties: { command: ['true'] } }] }],
      {
        onSubmitted: (taskIds) => (ids = taskIds),
        onOutput: (i, bytes) => void output.push(Buffer.from(bytes)),
        onResult: (i, result) => void ended.push([i, result.state]),
      },
    );
    expect(ids).toEqual([FAKE_TASK_ID]);
    expect(outcome.taskIds).toEqual([FAKE_TASK_ID]);
    expect(outcome.results.map((r) => r.exit_code)).toEqual([3]);
    expect(ended).toEqual([[0, 'COMPLETED']]);
    expect(Buffer.concat(output)).toEqual(FAKE_OUTPUT);
  });

  it('throws the refusal when a request is refused', async () => {
    const err = await run(client, [{ task_slices: [{ properties: { command: [] } }] }]).catch(
      (e) => e,
    );
    expect((err as DroverClientError).code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });
});
