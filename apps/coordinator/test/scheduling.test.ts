import { status, type ServiceError } from '@grpc/grpc-js';
import type {
  NewTaskRequest,
  NewTaskResponseOut,
  TaskOutputOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

// One coordinator and one real bot (pool=default, flavor=amd) for the whole file.
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
  bot = await startBotProcess(coord, dir.path, 'sched-bot', ['--dimension', 'flavor=amd']);
});

afterAll(async () => {
  await stopProcess(bot);
  stub.close();
  await coord.close();
  dir.remove();
});

type Dim = { key: string; value: string };
const dims = (...pairs: string[]): Dim[] =>
  pairs.map((p) => ({ key: p.split('=')[0]!, value: p.slice(p.indexOf('=') + 1) }));

function newTask(req: NewTaskRequest): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>((md, cb) => stub.NewTask(req, md, cb), bearer(token));
}

function oneSlice(
  command: string[],
  dimensions: Dim[],
  extra: Partial<NewTaskRequest> = {},
  wait = false,
): NewTaskRequest {
  return {
    task_slices: [{ properties: { command, dimensions }, wait_for_capacity: wait }],
    ...extra,
  };
}

/** Every result WaitTask streams until the task is final. */
function follow(id: string): Promise<TaskResultOut[]> {
  return new Promise((resolve, reject) => {
    const seen: TaskResultOut[] = [];
    const stream = stub.WaitTask({ task_id: id }, bearer(token));
    stream.on('data', (r: TaskResultOut) => seen.push(r));
    stream.on('end', () => resolve(seen));
    stream.on('error', reject);
  });
}

/** Resolves once WaitTask reports `state` for the task. */
function untilState(id: string, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = stub.WaitTask({ task_id: id }, bearer(token));
    stream.on('data', (r: TaskResultOut) => {
      if (r.state === state) {
        stream.cancel();
        resolve();
      }
    });
    stream.on('error', (err: ServiceError) => {
      if (err.code !== status.CANCELLED) reject(err);
    });
    stream.on('end', () => reject(new Error(`task ${id} ended without reaching ${state}`)));
  });
}

const final = async (id: string) => (await follow(id)).at(-1)!;
const output = async (id: string) =>
  (
    await call<TaskOutputOut>((md, cb) => stub.GetStdout({ task_id: id }, md, cb), bearer(token))
  ).output.toString();

describe('scheduling with Swarming semantics, real bot', () => {
  it('stores a task no known bot matches as NO_RESOURCE at once', async () => {
    const res = await newTask(oneSlice(['true'], dims('pool=default', 'flavor=nvidia')));
    expect(res.result).toMatchObject({ state: 'NO_RESOURCE' });
    expect(res.result?.abandoned_ts).not.toBeNull();
  });

  it('keeps such a task PENDING when it waits for capacity', async () => {
    const res = await newTask(oneSlice(['true'], dims('pool=default', 'flavor=nvidia'), {}, true));
    expect(res.result?.state).toBe('PENDING');
    await call((md, cb) => stub.CancelTask({ task_id: res.task_id }, md, cb), bearer(token));
  });

  it('runs an OR request on a bot holding one of the values', async () => {
    const res = await newTask(
      oneSlice(['sh', '-c', 'echo or'], dims('pool=default', 'flavor=nvidia|amd')),
    );
    expect(await final(res.task_id)).toMatchObject({
      state: 'COMPLETED',
      exit_code: 0,
      bot_id: 'sched-bot',
    });
  });

  it('falls through to the next slice when the first expires, then runs there', async () => {
    const res = await newTask({
      task_slices: [
        {
          properties: {
            command: ['echo', 'fell'],
            dimensions: dims('pool=default', 'flavor=nvidia'),
          },
          expiration_secs: 1,
          wait_for_capacity: true,
        },
        {
          properties: { command: ['echo', 'fell'], dimensions: dims('pool=default') },
          expiration_secs: 60,
        },
      ],
    });
    expect(res.result).toMatchObject({ state: 'PENDING', current_task_slice: 0 });
    const done = await final(res.task_id);
    expect(done).toMatchObject({ state: 'COMPLETED', current_task_slice: 1 });
    expect(await output(res.task_id)).toBe('fell\n');
  });

  it('moves through every slice and ends EXPIRED with abandoned_ts when none gets a bot', async () => {
    const res = await newTask({
      task_slices: [
        {
          properties: { command: ['true'], dimensions: dims('pool=default', 'flavor=x') },
          expiration_secs: 1,
          wait_for_capacity: true,
        },
        {
          properties: { command: ['true'], dimensions: dims('pool=default', 'flavor=y') },
          expiration_secs: 1,
          wait_for_capacity: true,
        },
      ],
    });
    const seen = await follow(res.task_id);
    // Entering the next slice is no change of state: WaitTask tells only the end of the last one.
    expect(seen.map((r) => [r.state, r.current_task_slice])).toEqual([
      ['PENDING', 0],
      ['EXPIRED', 1],
    ]);
    expect(seen.at(-1)!.abandoned_ts).not.toBeNull();
  });

  it('runs a burst queued behind a busy bot in priority order, then first come first served', async () => {
    const gate = join(dir.path, 'gate');
    const order = join(dir.path, 'order');
    writeFileSync(order, '');
    const blocker = await newTask(
      oneSlice(['sh', '-c', `while [ ! -f ${gate} ]; do sleep 0.02; done`], dims('pool=default')),
    );
    // The bot is busy once the blocker runs.
    await untilState(blocker.task_id, 'RUNNING');
    const burst: Array<[string, number]> = [
      ['p200-a', 200],
      ['p100-a', 100],
      ['p150', 150],
      ['p100-b', 100],
      ['p200-b', 200],
    ];
    const ids: string[] = [];
    for (const [name, priority] of burst) {
      const r = await newTask(
        oneSlice(['sh', '-c', `echo ${name} >> ${order}`], dims('pool=default'), {
          priority,
          name,
        }),
      );
      expect(r.result?.state).toBe('PENDING');
      ids.push(r.task_id);
    }
    writeFileSync(gate, '');
    for (const id of ids) expect((await final(id)).state).toBe('COMPLETED');
    expect(readFileSync(order, 'utf8').trim().split('\n')).toEqual([
      'p100-a',
      'p100-b',
      'p150',
      'p200-a',
      'p200-b',
    ]);
  });

  it('answers an idempotent task whose work already succeeded with the earlier result, without running it', async () => {
    const marker = join(dir.path, 'runs');
    writeFileSync(marker, '');
    const req = (idempotent: boolean): NewTaskRequest => ({
      task_slices: [
        {
          properties: {
            command: ['sh', '-c', `echo run >> ${marker}; echo dedup-out`],
            dimensions: dims('pool=default'),
            idempotent,
          },
        },
      ],
    });
    const first = await newTask(req(true));
    expect((await final(first.task_id)).state).toBe('COMPLETED');
    const second = await newTask(req(true));
    expect(second.result).toMatchObject({
      state: 'COMPLETED',
      deduped_from: first.task_id,
      exit_code: 0,
    });
    expect(await output(second.task_id)).toBe('dedup-out\n');
    const notIdempotent = await newTask(req(false));
    expect((await final(notIdempotent.task_id)).deduped_from).toBe('');
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('returns the same task when the same caller repeats a request_uuid', async () => {
    const req = oneSlice(['true'], dims('pool=default'), { request_uuid: 'c0ffee-1' });
    const a = await newTask(req);
    const b = await newTask(req);
    expect(b.task_id).toBe(a.task_id);
    const c = await newTask({ ...req, request_uuid: 'c0ffee-2' });
    expect(c.task_id).not.toBe(a.task_id);
  });

  it('cancels pending tasks by tags (AND), leaving the others', async () => {
    const mk = (tags: string[]) =>
      newTask(oneSlice(['true'], dims('pool=default', 'flavor=later'), { tags }, true));
    const x1 = await mk(['batch:x', 'kind:unit']);
    const x2 = await mk(['batch:x', 'kind:unit']);
    const y = await mk(['batch:x', 'kind:other']);
    const res = await call<{ matched: number }>(
      (md, cb) => stub.CancelTasks({ tags: ['batch:x', 'kind:unit'] }, md, cb),
      bearer(token),
    );
    expect(res.matched).toBe(2);
    expect((await final(x1.task_id)).state).toBe('CANCELED');
    expect((await final(x2.task_id)).state).toBe('CANCELED');
    const left = await call<TaskResultOut>(
      (md, cb) => stub.GetResult({ task_id: y.task_id }, md, cb),
      bearer(token),
    );
    expect(left.state).toBe('PENDING');
    await call((md, cb) => stub.CancelTask({ task_id: y.task_id }, md, cb), bearer(token));
  });

  it('lists and counts by state query and tags, with paging and clear errors', async () => {
    const count = await call<{ count: number }>(
      (md, cb) => stub.CountTasks({ state: 'QUERY_CANCELED', tags: ['batch:x'] }, md, cb),
      bearer(token),
    );
    expect(count.count).toBe(3);
    const page1 = await call<{ items: TaskResultOut[]; cursor: string }>(
      (md, cb) => stub.ListTasks({ state: 'QUERY_CANCELED', tags: ['batch:x'], limit: 2 }, md, cb),
      bearer(token),
    );
    expect(page1.items).toHaveLength(2);
    const page2 = await call<{ items: TaskResultOut[]; cursor: string }>(
      (md, cb) =>
        stub.ListTasks(
          { state: 'QUERY_CANCELED', tags: ['batch:x'], limit: 2, cursor: page1.cursor },
          md,
          cb,
        ),
      bearer(token),
    );
    expect(page2.items).toHaveLength(1);
    expect(page2.cursor).toBe('');
    const badLimit = (await call(
      (md, cb) => stub.ListTasks({ limit: 1001 }, md, cb),
      bearer(token),
    ).catch((e: unknown) => e)) as ServiceError;
    expect(badLimit.code).toBe(status.INVALID_ARGUMENT);
    expect(badLimit.details).toMatch(/^limit:/);
    const badCursor = (await call(
      (md, cb) => stub.ListTasks({ cursor: 'nope' }, md, cb),
      bearer(token),
    ).catch((e: unknown) => e)) as ServiceError;
    expect(badCursor.code).toBe(status.INVALID_ARGUMENT);
    expect(badCursor.details).toMatch(/^cursor:/);
  });
});
