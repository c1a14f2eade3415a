// Tasks.WatchTasks: a stream of every state change of the tasks matching a tag filter,
// only in pools the caller may view; PERMISSION_DENIED for a caller who may view none; ends when
// the client cancels and leaves no listener behind. Real gRPC on loopback, no bot needed (tasks
// wait in pools without bots and are cancelled).
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { TaskChangeOut, WatchTasksRequest } from '@drover/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, call } from '../harness';
import {
  TOKENS,
  newTask,
  startLinksWorld,
  taskRequest,
  waitUntil,
  type LinksWorld,
} from './links-harness';

let world: LinksWorld;

beforeAll(async () => {
  world = await startLinksWorld({}, false);
});
afterAll(() => world.close());

/** An open WatchTasks stream and what it received so far. */
interface Watch {
  readonly stream: ClientReadableStream<TaskChangeOut>;
  readonly changes: TaskChangeOut[];
  /** Resolves with the first change satisfying `pred` (maybe one already received). */
  until(pred: (c: TaskChangeOut) => boolean): Promise<TaskChangeOut>;
  /** Resolves with the status the stream ended with. */
  readonly ended: Promise<ServiceError | 'ok'>;
}

/** Opens a stream and resolves once the coordinator is watching (its headers arrived). */
async function watch(request: WatchTasksRequest, token: string = TOKENS.admin): Promise<Watch> {
  const stream = world.stub.WatchTasks(
    request,
    bearer(token),
  ) as ClientReadableStream<TaskChangeOut>;
  const changes: TaskChangeOut[] = [];
  const ended = new Promise<ServiceError | 'ok'>((resolve) => {
    stream.on('error', (err: ServiceError) => resolve(err));
    stream.on('end', () => resolve('ok'));
  });
  stream.on('data', (c: TaskChangeOut) => changes.push(c));
  await Promise.race([
    new Promise((resolve) => stream.once('metadata', resolve)),
    ended.then((e) => {
      if (e !== 'ok') return;
      throw new Error('stream ended before it was watching');
    }),
  ]);
  const until = (pred: (c: TaskChangeOut) => boolean) =>
    new Promise<TaskChangeOut>((resolve, reject) => {
      const found = changes.find(pred);
      if (found !== undefined) return resolve(found);
      const timer = setTimeout(() => {
        stream.off('data', onData);
        reject(new Error('no matching change within 10 s'));
      }, 10_000);
      const onData = (c: TaskChangeOut) => {
        if (!pred(c)) return;
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(c);
      };
      stream.on('data', onData);
    });
  return { stream, changes, until, ended };
}

const cancel = (taskId: string) =>
  call((md, cb) => world.stub.CancelTask({ task_id: taskId }, md, cb), bearer(TOKENS.admin));

describe('WatchTasks', () => {
  it('streams every change of the tasks carrying the tags, and none of the others', async () => {
    const w = await watch({ tags: ['watch:yes', 'team:a'] });
    const other = await newTask(
      world,
      taskRequest(['true'], { pool: 'nowhere', tags: ['watch:yes', 'team:b'] }),
    );
    await cancel(other.task_id);
    const mine = await newTask(
      world,
      taskRequest(['true'], { pool: 'nowhere', tags: ['watch:yes', 'team:a', 'x:1'] }),
    );
    await cancel(mine.task_id);
    await w.until((c) => c.task_id === mine.task_id && c.state === 'CANCELED');
    expect(w.changes.map((c) => [c.task_id, c.previous_state, c.state])).toEqual([
      [mine.task_id, 'INVALID', 'PENDING'],
      [mine.task_id, 'PENDING', 'CANCELED'],
    ]);
    expect(w.changes[1]!.result).toMatchObject({
      task_id: mine.task_id,
      state: 'CANCELED',
      // The client's tags, then the coordinator's (pool:, name:, priority:).
      tags: expect.arrayContaining(['watch:yes', 'team:a', 'x:1']) as unknown,
    });
    w.stream.cancel();
  });

  it('filters by the state changed into', async () => {
    const w = await watch({ tags: ['watch:states'], states: ['CANCELED'] });
    const t = await newTask(
      world,
      taskRequest(['true'], { pool: 'nowhere', tags: ['watch:states'] }),
    );
    await cancel(t.task_id);
    await w.until((c) => c.task_id === t.task_id);
    expect(w.changes.map((c) => c.state)).toEqual(['CANCELED']);
    w.stream.cancel();
  });

  it('shows a caller only the tasks of the pools it may view', async () => {
    const w = await watch({ tags: ['watch:pools'] }, TOKENS.poolB);
    const hidden = await newTask(
      world,
      taskRequest(['true'], { pool: 'nowhere', tags: ['watch:pools'] }),
    );
    const visible = await newTask(
      world,
      taskRequest(['true'], { pool: 'b', tags: ['watch:pools'] }),
    );
    await cancel(hidden.task_id);
    await cancel(visible.task_id);
    await w.until((c) => c.task_id === visible.task_id && c.state === 'CANCELED');
    expect(new Set(w.changes.map((c) => c.task_id))).toEqual(new Set([visible.task_id]));
    w.stream.cancel();
  });

  it('refuses a caller who may view no pool: PERMISSION_DENIED', async () => {
    const stream = world.stub.WatchTasks({ tags: [] }, bearer(TOKENS.blind));
    const err = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(err.details).toContain('view role');
  });

  it('refuses a tag that is not key:value, naming it', async () => {
    const stream = world.stub.WatchTasks({ tags: ['ok:1', 'bad'] }, bearer(TOKENS.admin));
    const err = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^tags\[1\]: must be key:value/);
  });

  it('ends when the client cancels, leaving the listener counts where they were', async () => {
    const { engine, listeners } = world.coord;
    // The streams of the cases above were cancelled: none is left once the server saw it.
    await waitUntil(() => listeners.hub.size === 0, 'rid of earlier streams');
    const engineBaseline = engine.events.listenerCount('transition');
    const hubBaseline = 0;
    const watches = await Promise.all([
      watch({ tags: [] }),
      watch({ tags: ['a:b'] }),
      watch({ tags: [] }, TOKENS.poolB),
    ]);
    expect(listeners.hub.size).toBe(hubBaseline + 3);
    expect(engine.events.listenerCount('transition')).toBe(engineBaseline);
    for (const w of watches) w.stream.cancel();
    for (const w of watches) {
      const end = await w.ended;
      expect(end === 'ok' ? 'ok' : end.code).toBe(status.CANCELLED);
    }
    await waitUntil(() => listeners.hub.size === hubBaseline, 'back to the baseline');
    expect(engine.events.listenerCount('transition')).toBe(engineBaseline);
  });
});
