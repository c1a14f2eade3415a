import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { DroverClientError, GrpcStatus, createDroverClient, type DroverClient } from '../src/index';
import type { TaskResultOut } from '../src/index';
import { botToJson, countBotsToJson } from '../src/index';
import {
  BOTS_CURSOR,
  FAKE_BOTS,
  FAKE_BOT_COUNTS,
  BROKEN_TASK_ID,
  CANCEL_CURSOR,
  FAKE_COUNT,
  LISTED_RESULTS,
  LIST_CURSOR,
  LONG_CHUNKS,
  LONG_TASK_ID,
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
  fake = await startFakeTasksServer({ token: 's3cret' });
  client = createDroverClient({ server: fake.address, token: 's3cret' });
});
afterAll(async () => {
  client.close();
  await fake.close();
});

const newTaskRequest = (command: string[]) => ({
  name: 'n',
  task_slices: [{ properties: { command, dimensions: [{ key: 'pool', value: 'p' }] } }],
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (err: unknown) => err,
  );
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('unary calls', () => {
  it('creates several tasks in one NewTasks call, answering in the requests order', async () => {
    const requests = ['b', 'a', 'c'].map((name) => ({ ...newTaskRequest(['true']), name }));
    const responses = await client.newTasks(requests);
    expect(responses.map((r) => r.task_id)).toEqual(['b', 'a', 'c']);
    expect(responses[1]?.request?.name).toBe('a');
    expect(fake.calls.at(-1)?.method).toBe('NewTasks');
  });

  it('sends the bearer token and returns the decoded response', async () => {
    const response = await client.newTask(newTaskRequest(['echo', 'hi']));
    expect(response.task_id).toBe(FAKE_TASK_ID);
    expect(response.request?.task_slices[0]?.properties?.command).toEqual(['echo', 'hi']);
    expect(response.result?.state).toBe('PENDING');
    const call = fake.calls.at(-1);
    expect(call?.method).toBe('NewTask');
    expect(call?.authorization).toBe('Bearer s3cret');
  });

  it('sends no authorization metadata without a token', async () => {
    const anonymous = createDroverClient({ server: fake.address });
    try {
      const err = await rejection(anonymous.getResult(FAKE_TASK_ID));
      expect(fake.calls.at(-1)?.authorization).toBeUndefined();
      expect(err).toBeInstanceOf(DroverClientError);
      expect((err as DroverClientError).code).toBe(GrpcStatus.UNAUTHENTICATED);
    } finally {
      anonymous.close();
    }
  });

  it('maps INVALID_ARGUMENT to a DroverClientError naming the field', async () => {
    const err = await rejection(client.newTask(newTaskRequest([])));
    expect(err).toBeInstanceOf(DroverClientError);
    const e = err as DroverClientError;
    expect(e.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(e.codeName).toBe('INVALID_ARGUMENT');
    expect(e.details).toBe('task_slices[0].properties.command: must not be empty');
    expect(e.message).toBe(e.details);
    expect(e.field).toBe('task_slices[0].properties.command');
    expect(e.server).toBe(fake.address);
  });

  it('maps NOT_FOUND, with no field', async () => {
    const err = (await rejection(client.getResult('nope'))) as DroverClientError;
    expect(err.code).toBe(GrpcStatus.NOT_FOUND);
    expect(err.details).toBe('task nope not found');
    expect(err.field).toBeUndefined();
  });

  it('answers every unary method of the Tasks service', async () => {
    expect((await client.getResult(FAKE_TASK_ID)).exit_code).toBe(3);
    const batch = await client.batchGetResult([FAKE_TASK_ID, 'x']);
    expect(batch.items.map((i) => i.outcome)).toEqual(['result', 'error']);
    expect((await client.getRequest(FAKE_TASK_ID)).name).toBe('fake');
    expect((await client.cancelTask(FAKE_TASK_ID, true)).state).toBe('COMPLETED');
    expect(fake.calls.at(-1)?.request).toEqual({ task_id: FAKE_TASK_ID, kill_running: true });
    expect((await client.listTasks({ state: 'QUERY_ALL' })).items).toHaveLength(2);
    expect((await client.countTasks()).count).toBe(FAKE_COUNT);
    expect((await client.cancelTasks({ tags: ['a:b'] })).matched).toBe(2);
  });

  it('reads a range of output with GetStdout', async () => {
    const page = await client.getStdout(FAKE_TASK_ID, 2, 4);
    expect(page.offset).toBe(2);
    expect(page.output).toEqual(FAKE_OUTPUT.subarray(2, 6));
    expect(page.size).toBe(FAKE_OUTPUT.length);
  });

  it('rejects with the abort reason when the signal is already aborted, without calling', async () => {
    const before = fake.calls.length;
    const reason = new Error('stop');
    const err = await rejection(
      client.getResult(FAKE_TASK_ID, { signal: AbortSignal.abort(reason) }),
    );
    expect(err).toBe(reason);
    expect(fake.calls.length).toBe(before);
  });

  it('fails with UNAVAILABLE naming the server when nothing listens', async () => {
    const port = await freePort();
    const down = createDroverClient({ server: `127.0.0.1:${port}` });
    try {
      const err = (await rejection(down.getResult(FAKE_TASK_ID))) as DroverClientError;
      expect(err.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(err.server).toBe(`127.0.0.1:${port}`);
    } finally {
      down.close();
    }
  });

  it('close() may be called twice', () => {
    const c = createDroverClient({ server: fake.address });
    c.close();
    expect(() => c.close()).not.toThrow();
  });
});

describe('listing, counting and cancelling by query', () => {
  const start = { seconds: 1_700_000_000, nanos: 0 };
  const end = { seconds: 1_700_000_300, nanos: 500_000_000 };

  it('listTasks sends state, tags, name, user, pool, bot, sort, start, end, limit and cursor as given', async () => {
    const page = await client.listTasks({
      state: 'QUERY_COMPLETED_FAILURE',
      tags: ['a:b', 'c:d'],
      name: 'build-*',
      user: 'ann',
      pool: 'ci',
      bot_id: 'b1',
      sort: 'SORT_STARTED',
      start,
      end,
      limit: 2,
      cursor: '',
    });
    expect(fake.calls.at(-1)?.request).toEqual({
      state: 'QUERY_COMPLETED_FAILURE',
      tags: ['a:b', 'c:d'],
      name: 'build-*',
      user: 'ann',
      pool: 'ci',
      bot_id: 'b1',
      sort: 'SORT_STARTED',
      start,
      end,
      limit: 2,
      cursor: '',
      parent_task_id: '',
    });
    expect(page.items.map((r) => r.task_id)).toEqual(['task-3', 'task-2']);
    expect(page.cursor).toBe(LIST_CURSOR);
    const next = await client.listTasks({ state: 'QUERY_ALL', cursor: page.cursor });
    expect(fake.calls.at(-1)?.request).toMatchObject({ cursor: LIST_CURSOR });
    expect(next).toMatchObject({ items: [{ task_id: FAKE_TASK_ID }], cursor: '' });
  });

  it('leaves an unset state to the wire default, QUERY_PENDING', async () => {
    await client.listTasks();
    expect(fake.calls.at(-1)?.request).toMatchObject({
      state: 'QUERY_PENDING',
      tags: [],
      start: null,
      end: null,
      limit: 0,
      cursor: '',
    });
  });

  it('countTasks sends the filter and returns the count as a number', async () => {
    const { count } = await client.countTasks({ state: 'QUERY_ALL', tags: ['x:y'], start, end });
    expect(count).toBe(FAKE_COUNT);
    // The filters not given go as the wire's defaults: none, and the created-time sort.
    expect(fake.calls.at(-1)?.request).toEqual({
      state: 'QUERY_ALL',
      tags: ['x:y'],
      name: '',
      user: '',
      pool: '',
      bot_id: '',
      sort: 'SORT_CREATED',
      start,
      end,
      parent_task_id: '',
    });
  });

  it('listAllTasks follows the cursor to the last page, keeping the filter', async () => {
    const before = fake.calls.length;
    const ids: string[] = [];
    for await (const r of client.listAllTasks({ state: 'QUERY_ALL', tags: ['a:b'], limit: 2 }))
      ids.push(r.task_id);
    expect(ids).toEqual(LISTED_RESULTS.map((r) => r.task_id));
    const calls = fake.calls.slice(before);
    expect(calls.map((c) => c.request)).toMatchObject([
      { state: 'QUERY_ALL', tags: ['a:b'], limit: 2, cursor: '' },
      { state: 'QUERY_ALL', tags: ['a:b'], limit: 2, cursor: LIST_CURSOR },
    ]);
  });

  it('listAllTasks starts at the cursor given', async () => {
    const ids: string[] = [];
    for await (const r of client.listAllTasks({ state: 'QUERY_ALL', cursor: LIST_CURSOR }))
      ids.push(r.task_id);
    expect(ids).toEqual([FAKE_TASK_ID]);
  });

  it('cancelAllTasks sums matched over every page', async () => {
    const before = fake.calls.length;
    expect(await client.cancelAllTasks({ tags: ['a:b'], kill_running: true })).toEqual({
      matched: 3,
    });
    expect(fake.calls.slice(before).map((c) => c.request)).toEqual([
      { tags: ['a:b'], kill_running: true, limit: 0, cursor: '' },
      { tags: ['a:b'], kill_running: true, limit: 0, cursor: CANCEL_CURSOR },
    ]);
  });

  it('rejects an unknown cursor as INVALID_ARGUMENT naming the field', async () => {
    const err = (await rejection(
      client.listTasks({ state: 'QUERY_ALL', cursor: 'bogus' }),
    )) as DroverClientError;
    expect(err.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(err.field).toBe('cursor');
  });

  it('batchGetResult sends the ids and reports each one', async () => {
    const batch = await client.batchGetResult([FAKE_TASK_ID, 'gone']);
    expect(fake.calls.at(-1)?.request).toEqual({ task_ids: [FAKE_TASK_ID, 'gone'] });
    expect(batch.items[0]).toMatchObject({ task_id: FAKE_TASK_ID, outcome: 'result' });
    expect(batch.items[0]?.result?.state).toBe('COMPLETED');
    expect(batch.items[1]).toMatchObject({ task_id: 'gone', outcome: 'error', error: 'not found' });
  });
});

describe('the Bots service', () => {
  it('getBot sends the id and the token, and fills in defaults', async () => {
    const bot = await client.getBot('bot-2');
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'GetBot',
      request: { bot_id: 'bot-2' },
      authorization: 'Bearer s3cret',
    });
    expect(bot).toMatchObject({
      bot_id: 'bot-2',
      is_dead: true,
      quarantined_reason: 'low disk',
      connected: false,
      task_id: '',
      state: null,
    });
    expect(bot.dimensions).toEqual(FAKE_BOTS[1]!.dimensions);
  });

  it('getBot rejects with NOT_FOUND for an unknown bot', async () => {
    const err = await rejection(client.getBot('nope'));
    expect(err).toBeInstanceOf(DroverClientError);
    expect((err as DroverClientError).code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('listBots sends the filters as given and returns one page', async () => {
    const page = await client.listBots({
      dimensions: [{ key: 'pool', value: 'ci|default' }],
      is_dead: 'FALSE',
      is_busy: 'TRUE',
      limit: 2,
    });
    expect(page.items.map((b) => b.bot_id)).toEqual(['bot-1', 'bot-2']);
    expect(page.cursor).toBe(BOTS_CURSOR);
    expect(fake.calls.at(-1)?.request).toMatchObject({
      dimensions: [{ key: 'pool', value: 'ci|default' }],
      is_dead: 'FALSE',
      is_busy: 'TRUE',
      quarantined: 'NULL',
      in_maintenance: 'NULL',
      limit: 2,
      cursor: '',
    });
  });

  it('listAllBots follows the cursor to the last page, keeping the filter', async () => {
    const before = fake.calls.length;
    const bots = await collect(client.listAllBots({ quarantined: 'TRUE' }));
    expect(bots.map((b) => b.bot_id)).toEqual(FAKE_BOTS.map((b) => b.bot_id));
    const calls = fake.calls.slice(before);
    expect(calls.map((c) => (c.request as { cursor: string }).cursor)).toEqual(['', BOTS_CURSOR]);
    expect(calls.every((c) => (c.request as { quarantined: string }).quarantined === 'TRUE')).toBe(
      true,
    );
  });

  it('countBots sends the dimensions and returns the counts', async () => {
    const counts = await client.countBots({ dimensions: [{ key: 'os', value: 'Linux' }] });
    // The counts as they came, as int64 strings in the JSON (docs/json.md).
    expect(counts).toMatchObject(FAKE_BOT_COUNTS);
    expect(countBotsToJson(counts)).toEqual(
      Object.fromEntries(Object.entries(FAKE_BOT_COUNTS).map(([k, v]) => [k, String(v)])),
    );
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'CountBots',
      request: { dimensions: [{ key: 'os', value: 'Linux' }] },
    });
  });

  it('botToJson uses proto field names and RFC 3339 timestamps', async () => {
    expect(botToJson(await client.getBot('bot-1'))).toEqual({
      bot_id: 'bot-1',
      dimensions: [
        { key: 'id', value: ['bot-1'] },
        { key: 'os', value: ['Linux', 'Linux-Debian'] },
        { key: 'pool', value: ['ci'] },
      ],
      state: {
        cpu_load: 0.5,
        free_disk_bytes: '1000000',
        uptime_secs: '3600',
        running_task_id: 'task-3',
        quarantined_reason: '',
        caches: [],
        input_trees: [],
      },
      version: 'v1.2.3',
      is_dead: false,
      connected: true,
      quarantined: false,
      quarantined_reason: '',
      in_maintenance: false,
      maintenance_msg: '',
      task_id: 'task-3',
      task_name: 'build',
      first_seen_ts: '2023-11-14T22:13:20Z',
      last_seen_ts: '2023-11-14T22:18:20.250Z',
      session_id: 'session-1',
    });
  });
});

describe('waitTask', () => {
  it('yields every state and ends after the final one', async () => {
    const results = await collect(client.waitTask(FAKE_TASK_ID));
    expect(results.map((r) => r.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(results[2]?.exit_code).toBe(3);
    expect(fake.calls.at(-1)?.authorization).toBe('Bearer s3cret');
  });

  it('rejects with a DroverClientError for an unknown task', async () => {
    const err = (await rejection(collect(client.waitTask('nope')))) as DroverClientError;
    expect(err).toBeInstanceOf(DroverClientError);
    expect(err.code).toBe(GrpcStatus.NOT_FOUND);
  });

  it('yields what arrived before a failure, then rejects with it', async () => {
    const seen: string[] = [];
    const err = (await rejection(
      (async () => {
        for await (const result of client.waitTask(BROKEN_TASK_ID)) seen.push(result.state);
      })(),
    )) as DroverClientError;
    expect(seen).toEqual(['PENDING']);
    expect(err.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(err.details).toBe('coordinator going away');
  });

  it('cancels the call when the signal aborts, and rejects with the reason', async () => {
    const controller = new AbortController();
    const cancelled = nextEvent(fake.events, 'cancelled');
    const seen: TaskResultOut[] = [];
    const err = await rejection(
      (async () => {
        for await (const result of client.waitTask(HANGING_TASK_ID, {
          signal: controller.signal,
        })) {
          seen.push(result);
          controller.abort(new Error('enough'));
        }
      })(),
    );
    expect(seen.map((r) => r.state)).toEqual(['PENDING']);
    expect((err as Error).message).toBe('enough');
    expect(await cancelled).toBe('WaitTask');
  });

  it('cancels the call when the caller breaks out of the loop', async () => {
    const cancelled = nextEvent(fake.events, 'cancelled');
    for await (const result of client.waitTask(HANGING_TASK_ID)) {
      expect(result.state).toBe('PENDING');
      break;
    }
    expect(await cancelled).toBe('WaitTask');
  });

  it('fails with DEADLINE_EXCEEDED when the stream outlives deadlineMs', async () => {
    const err = (await rejection(
      collect(client.waitTask(HANGING_TASK_ID, { deadlineMs: 300 })),
    )) as DroverClientError;
    expect(err.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
  });
});

describe('streamOutput', () => {
  it('yields offset-addressed chunks that add up to the output', async () => {
    const chunks = await collect(client.streamOutput(FAKE_TASK_ID));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.offset)).toEqual([0, 5, 12]);
    expect(Buffer.concat(chunks.map((c) => c.output))).toEqual(FAKE_OUTPUT);
  });

  it('delivers a long stream in order to a slow reader', async () => {
    let expected = 0;
    for await (const chunk of client.streamOutput(LONG_TASK_ID)) {
      expect(chunk.offset).toBe(expected);
      expect(chunk.output[0]).toBe((expected / 100) % 256);
      expected += chunk.output.length;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(expected).toBe(LONG_CHUNKS * 100);
  });

  it('starts at the given offset', async () => {
    const chunks = await collect(client.streamOutput(FAKE_TASK_ID, 10));
    expect(chunks[0]?.offset).toBe(10);
    expect(Buffer.concat(chunks.map((c) => c.output))).toEqual(FAKE_OUTPUT.subarray(10));
  });

  it('cancels the call when the signal aborts', async () => {
    const controller = new AbortController();
    const cancelled = nextEvent(fake.events, 'cancelled');
    const err = await rejection(
      (async () => {
        for await (const chunk of client.streamOutput(HANGING_TASK_ID, 0, {
          signal: controller.signal,
        })) {
          expect(chunk.offset).toBe(0);
          controller.abort();
        }
      })(),
    );
    expect((err as Error).name).toBe('AbortError');
    expect(await cancelled).toBe('StreamOutput');
  });
});

/** A port nobody listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
