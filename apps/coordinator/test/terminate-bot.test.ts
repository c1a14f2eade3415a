import type { ClientReadableStream } from '@grpc/grpc-js';
import type { BotsClient, NewTaskResponseOut, TaskResultOut, TasksClient } from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskTransition } from '../src/engine/task-engine';
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
  waitForEvent,
} from './harness';
import { botsStub } from './scripted-bot';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let bot: ChildProcess | undefined;
let bots: BotsClient;
let tasks: TasksClient;
let token: string;

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  token = readToken(dir.path, 'client');
  bots = botsStub(coord.grpcAddress);
  tasks = tasksStub(coord.grpcAddress);
  bot = await startBotProcess(coord, dir.path, 'term-bot', ['--pool', 'default']);
});

afterEach(async () => {
  await stopProcess(bot);
  bots.close();
  tasks.close();
  await coord.close();
  dir.remove();
});

const terminate = (botId: string, reason = '') =>
  call<{ task_id: string }>(
    (md, cb) => bots.TerminateBot({ bot_id: botId, reason }, md, cb),
    bearer(token),
  ).then((r) => r.task_id);

const result = (taskId: string) =>
  call<TaskResultOut>((md, cb) => tasks.GetResult({ task_id: taskId }, md, cb), bearer(token));

/** WaitTask until the task is final; resolves with the last result streamed. */
function waitTask(taskId: string): Promise<TaskResultOut> {
  const stream: ClientReadableStream<TaskResultOut> = tasks.WaitTask(
    { task_id: taskId },
    bearer(token),
  );
  let last: TaskResultOut | undefined;
  stream.on('data', (r: TaskResultOut) => (last = r));
  return new Promise((resolve, reject) => {
    stream.on('end', () => (last ? resolve(last) : reject(new Error('no result streamed'))));
    stream.on('error', reject);
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return once(child, 'exit').then(([code]) => code as number | null);
}

async function botEventTypes(botId: string): Promise<Array<[string, string]>> {
  const page = await call<{ items: Array<{ event_type: string; task_id: string }> }>(
    (md, cb) => bots.ListBotEvents({ bot_id: botId }, md, cb),
    bearer(token),
  );
  return page.items.map((e) => [e.event_type, e.task_id]);
}

describe('TerminateBot with a real bot process', () => {
  it('ends an idle bot: the termination task is COMPLETED exit 0 and the bot exits 0', async () => {
    const exit = exited(bot!);
    const gone = waitForEvent<string>(
      coord.registry.events,
      'disconnected',
      (id) => id === 'term-bot',
    );
    const taskId = await terminate('term-bot', 'retiring the machine');
    const done = await waitTask(taskId);
    expect(done).toMatchObject({ state: 'COMPLETED', exit_code: 0, bot_id: 'term-bot' });
    expect(done.tags).toEqual(expect.arrayContaining(['drover:terminate', 'id:term-bot']));
    expect(await exit).toBe(0);
    await gone;
    const types = await botEventTypes('term-bot');
    expect(types).toContainEqual(['terminated', taskId]);
    expect(types.findIndex(([t]) => t === 'terminated')).toBeLessThan(
      types.findIndex(([t]) => t === 'task_started'),
    );
  });

  it('lets a busy bot finish its task first; a second request returns the same task', async () => {
    const go = join(dir.path, 'go');
    const running = waitForEvent<TaskTransition>(
      coord.engine.events,
      'transition',
      (t) => t.task.state === 'RUNNING',
    );
    const payload = await call<NewTaskResponseOut>(
      (md, cb) =>
        tasks.NewTask(
          {
            name: 'busy',
            task_slices: [
              {
                properties: {
                  command: ['sh', '-c', `while [ ! -e ${go} ]; do sleep 0.05; done; echo done`],
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
    expect((await running).task.id).toBe(payload.task_id);

    const exit = exited(bot!);
    const first = await terminate('term-bot');
    expect(await terminate('term-bot', 'asked again')).toBe(first);
    expect((await result(first)).state).toBe('PENDING');
    expect((await result(payload.task_id)).state).toBe('RUNNING');

    writeFileSync(go, '');
    expect(await waitTask(payload.task_id)).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    expect(await waitTask(first)).toMatchObject({ state: 'COMPLETED', exit_code: 0 });
    expect(await exit).toBe(0);
    // Once it ended, a new request makes a new termination task.
    const again = await terminate('term-bot');
    expect(again).not.toBe(first);
    expect((await result(again)).state).toBe('PENDING');
  });
});
