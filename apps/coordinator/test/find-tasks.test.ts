// Finding tasks: the coordinator's automatic tags, and ListTasks/CountTasks by name
// glob, user, pool and bot, sorted by created, started or completed time. Real gRPC on loopback,
// a real bot process running the task found by its bot.
import { status } from '@grpc/grpc-js';
import type { TaskResultOut } from '@drover/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, call } from './harness';
import {
  TOKENS,
  failure,
  getResult,
  newTask,
  startLinksWorld,
  taskRequest,
  waitForState,
  type LinksWorld,
} from './links/links-harness';

let world: LinksWorld;
/** Ran on the bot (pool default); waits in pool nowhere; waits in pool b. */
let ran: string;
let waitsNowhere: string;
let waitsInB: string;

beforeAll(async () => {
  world = await startLinksWorld();
  ran = (await newTask(world, taskRequest(['true'], { name: 'build-linux', user: 'ann' }))).task_id;
  await waitForState(world.coord, ran, 'COMPLETED');
  waitsNowhere = (
    await newTask(
      world,
      taskRequest(['true'], {
        name: 'build-mac',
        user: 'bob',
        pool: 'nowhere',
        priority: 50,
        tags: ['user:eve', 'k:v'],
      }),
    )
  ).task_id;
  waitsInB = (
    await newTask(world, taskRequest(['true'], { name: 'test-1', user: 'ann', pool: 'b' }))
  ).task_id;
});
afterAll(() => world.close());

interface Filter {
  name?: string;
  user?: string;
  pool?: string;
  bot_id?: string;
  sort?: 'SORT_CREATED' | 'SORT_STARTED' | 'SORT_COMPLETED';
}

async function list(filter: Filter, token: string = TOKENS.admin): Promise<string[]> {
  const res = await call<{ items: TaskResultOut[] }>(
    (md, cb) => world.stub.ListTasks({ state: 'QUERY_ALL', ...filter }, md, cb),
    bearer(token),
  );
  return res.items.map((t) => t.task_id);
}

async function count(filter: Filter, token: string = TOKENS.admin): Promise<number> {
  const res = await call<{ count: number | string }>(
    (md, cb) => world.stub.CountTasks({ state: 'QUERY_ALL', ...filter }, md, cb),
    bearer(token),
  );
  return Number(res.count);
}

describe('automatic tags', () => {
  it('tags every task with its pool, user, name and priority', async () => {
    const result = await getResult(world, ran);
    expect(result.tags).toEqual(['pool:default', 'user:ann', 'name:build-linux', 'priority:200']);
  });

  it("replaces a client's tag with an automatic key by the coordinator's value", async () => {
    const result = await getResult(world, waitsNowhere);
    expect(result.tags).toEqual([
      'k:v',
      'pool:nowhere',
      'user:bob',
      'name:build-mac',
      'priority:50',
    ]);
  });
});

describe('ListTasks and CountTasks filters', () => {
  it('find tasks by a name glob, newest first', async () => {
    expect(await list({ name: 'build-*' })).toEqual([waitsNowhere, ran]);
    expect(await list({ name: 'build?linux' })).toEqual([ran]);
    expect(await list({ name: 'build' })).toEqual([]);
    expect(await count({ name: '*' })).toBe(3);
  });

  it('find tasks by user (the stored user, not a client tag)', async () => {
    expect(await list({ user: 'ann' })).toEqual([waitsInB, ran]);
    expect(await list({ user: 'eve' })).toEqual([]);
    expect(await count({ user: 'bob' })).toBe(1);
  });

  it('find tasks by pool, among the pools the caller may view', async () => {
    expect(await list({ pool: 'nowhere' })).toEqual([waitsNowhere]);
    expect(await list({ pool: 'b' }, TOKENS.poolB)).toEqual([waitsInB]);
    expect(await list({ pool: 'default' }, TOKENS.poolB)).toEqual([]);
    expect(await count({ pool: 'default' }, TOKENS.poolB)).toBe(0);
  });

  it('find the tasks a bot ran', async () => {
    expect(await list({ bot_id: 'links-bot' })).toEqual([ran]);
    expect(await count({ bot_id: 'links-bot', name: 'build*' })).toBe(1);
    expect(await list({ bot_id: 'no-such-bot' })).toEqual([]);
  });

  it('sort by created (the default), started or completed time, listing tasks that have it', async () => {
    expect(await list({})).toEqual([waitsInB, waitsNowhere, ran]);
    expect(await list({ sort: 'SORT_CREATED' })).toEqual([waitsInB, waitsNowhere, ran]);
    expect(await list({ sort: 'SORT_STARTED' })).toEqual([ran]);
    expect(await list({ sort: 'SORT_COMPLETED' })).toEqual([ran]);
    expect(await count({ sort: 'SORT_STARTED' })).toBe(1);
  });

  it('refuses an unknown sort, naming the field', async () => {
    // A number no TaskSort has (a newer client's), which the typed stub would not let through.
    const refused = await failure(list({ sort: 7 as unknown as 'SORT_CREATED' }));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/^sort: /);
  });
});
