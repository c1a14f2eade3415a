// Parent and child tasks: a child names its parent, carries its tag, can be listed by
// it, and is cancelled (killed when running) when the parent ends — recursively. Real gRPC on
// loopback, a real bot process running the sleeping child.
import { status } from '@grpc/grpc-js';
import type { TaskRequestOut, TaskResultOut } from '@drover/protocol';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, call } from '../harness';
import {
  TOKENS,
  failure,
  getResult,
  newTask,
  startLinksWorld,
  taskRequest,
  waitForState,
  type LinksWorld,
} from './links-harness';

let world: LinksWorld;

beforeAll(async () => {
  world = await startLinksWorld();
});
afterAll(() => world.close());

/** A task waiting in a pool no bot serves: PENDING until cancelled. */
const waiting = (over: Parameters<typeof taskRequest>[1] = {}) =>
  newTask(world, taskRequest(['true'], { pool: 'nowhere', ...over }));

function cancel(taskId: string, token: string = TOKENS.admin) {
  return call<{ canceled: boolean; state: string }>(
    (md, cb) => world.stub.CancelTask({ task_id: taskId, kill_running: true }, md, cb),
    bearer(token),
  );
}

/** Resolves once the task has stored output (its process started and printed). */
function outputSeen(taskId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no output from ${taskId} within 20 s`));
    }, 20_000);
    const off = world.coord.engine.outputWatchers.watch(taskId, (size) => {
      if (size === 0) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

describe('a child task', () => {
  it('carries its parent in the request, the result and the tag parent_task_id:<id>', async () => {
    const parent = await waiting();
    const child = await waiting({ parent_task_id: parent.task_id, tags: ['k:v'] });
    expect(child.result?.parent_task_id).toBe(parent.task_id);
    expect(child.request?.parent_task_id).toBe(parent.task_id);
    expect(child.result?.tags?.[0]).toBe('k:v');
    expect(child.result?.tags?.at(-1)).toBe(`parent_task_id:${parent.task_id}`);
    const request = await call<TaskRequestOut>(
      (md, cb) => world.stub.GetRequest({ task_id: child.task_id }, md, cb),
      bearer(TOKENS.admin),
    );
    expect(request.parent_task_id).toBe(parent.task_id);
    expect((await getResult(world, parent.task_id)).parent_task_id).toBe('');
    await cancel(parent.task_id);
  });

  it('is listed and counted by ListTasks/CountTasks parent_task_id, and no other task is', async () => {
    const parent = await waiting();
    const a = await waiting({ parent_task_id: parent.task_id });
    const b = await waiting({ parent_task_id: parent.task_id });
    await waiting(); // not a child
    const listed = await call<{ items: TaskResultOut[] }>(
      (md, cb) =>
        world.stub.ListTasks({ state: 'QUERY_ALL', parent_task_id: parent.task_id }, md, cb),
      bearer(TOKENS.admin),
    );
    expect(listed.items.map((r) => r.task_id).sort()).toEqual([a.task_id, b.task_id].sort());
    const counted = await call<{ count: number }>(
      (md, cb) =>
        world.stub.CountTasks({ state: 'QUERY_PENDING', parent_task_id: parent.task_id }, md, cb),
      bearer(TOKENS.admin),
    );
    expect(counted.count).toBe(2);
    await cancel(parent.task_id);
  });
});

describe('when the parent ends', () => {
  it('kills its RUNNING child (KILLED) and cancels its PENDING ones (CANCELED), recursively', async () => {
    const parent = await waiting();
    // A child running on the real bot: it prints, then sleeps until it is killed.
    const running = await newTask(
      world,
      taskRequest(['sh', '-c', 'echo up; exec sleep 60'], {
        parent_task_id: parent.task_id,
      }),
    );
    const started = outputSeen(running.task_id);
    const pending = await waiting({ parent_task_id: parent.task_id });
    // A grandchild, waiting: cancelled when the running child ends.
    await started;
    const grandchild = await waiting({ parent_task_id: running.task_id });

    const killed = waitForState(world.coord, running.task_id, 'KILLED');
    const pendingCanceled = waitForState(world.coord, pending.task_id, 'CANCELED');
    const grandchildCanceled = waitForState(world.coord, grandchild.task_id, 'CANCELED');
    expect(await cancel(parent.task_id)).toMatchObject({ canceled: true, state: 'CANCELED' });

    const k = await killed;
    expect(k.exitCode).not.toBe(0);
    expect((await pendingCanceled).abandonedAtMs).not.toBeNull();
    await grandchildCanceled;
    expect((await getResult(world, running.task_id)).state).toBe('KILLED');
    expect((await getResult(world, grandchild.task_id)).state).toBe('CANCELED');
  });

  it('cancels the children of a parent that COMPLETED on its own', async () => {
    const gate = join(world.dir.path, 'gate');
    const parent = await newTask(
      world,
      taskRequest(['sh', '-c', `while [ ! -f ${gate} ]; do sleep 0.02; done`]),
    );
    const child = await waiting({ parent_task_id: parent.task_id });
    expect(child.result?.state).toBe('PENDING');
    const completed = waitForState(world.coord, parent.task_id, 'COMPLETED');
    const canceled = waitForState(world.coord, child.task_id, 'CANCELED');
    writeFileSync(gate, '');
    expect((await completed).exitCode).toBe(0);
    await canceled;
  });
});

describe('refusals', () => {
  it('refuses a parent that is already final: FAILED_PRECONDITION naming its state', async () => {
    const parent = await waiting();
    await cancel(parent.task_id);
    const err = await failure(waiting({ parent_task_id: parent.task_id }));
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.details).toBe(
      `parent_task_id: parent task ${parent.task_id} is already CANCELED: it takes no new children`,
    );
  });

  it('gives a missing parent and one the caller cannot view the same INVALID_ARGUMENT', async () => {
    const hidden = await waiting(); // pool nowhere: pool-b's token cannot view it
    const asPoolB = (parentId: string) =>
      failure(
        newTask(
          world,
          taskRequest(['true'], { pool: 'b', parent_task_id: parentId }),
          TOKENS.poolB,
        ),
      );
    const invisible = await asPoolB(hidden.task_id);
    const missing = await asPoolB('00000000000000000000');
    expect(invisible.code).toBe(status.INVALID_ARGUMENT);
    expect(missing.code).toBe(status.INVALID_ARGUMENT);
    expect(invisible.details).toBe(
      `parent_task_id: task ${hidden.task_id} not found or not visible to you`,
    );
    expect(missing.details.replace('00000000000000000000', hidden.task_id)).toBe(invisible.details);
    await cancel(hidden.task_id);
  });

  it('refuses a parent_task_id tag given by hand, naming the tag', async () => {
    const err = await failure(waiting({ tags: ['a:b', 'parent_task_id:x'] }));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^tags\[1\]: the parent_task_id tag is set by the coordinator/);
  });
});

describe('a child created while its parent ends', () => {
  it('is cancelled at once when the parent became final before it was stored', async () => {
    const parent = await waiting();
    await cancel(parent.task_id);
    const { children } = world.coord.listeners;
    await children.idle(); // the parent's own sweep is over: it found no child
    // NewTask checked the parent while it was PENDING; the child is stored only now.
    const template = (await world.coord.store.getTask(parent.task_id))!.spec;
    const late = await world.coord.engine.submit({
      ...template,
      parentTaskId: parent.task_id,
      tags: [`parent_task_id:${parent.task_id}`],
    });
    expect(late.task.state).toBe('PENDING');
    const now = await children.childCreated(late.task);
    expect(now.state).toBe('CANCELED');
    expect((await getResult(world, late.task.id)).state).toBe('CANCELED');
  });
});
