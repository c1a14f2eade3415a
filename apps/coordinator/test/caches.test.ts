import * as grpc from '@grpc/grpc-js';
import type {
  NewTaskRequest,
  NewTaskResponseOut,
  TaskOutputOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

/**
 * Named caches end to end, with a real coordinator and a real bot process: what a task
 * leaves in its cache the next task on the bot finds; the bot advertises its caches as the
 * `caches` dimension (so a slice can prefer a warm bot); a size limit evicts the least recently
 * used cache; bad cache requests are refused at submit.
 */

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
const bots: ChildProcess[] = [];
let stub: TasksClient;
let token: string;

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  token = readToken(dir.path, 'client');
  stub = tasksStub(coord.grpcAddress);
});

afterEach(async () => {
  for (const b of bots.splice(0)) await stopProcess(b);
  stub.close();
  await coord.close();
  dir.remove();
});

async function startBot(id: string, extra: string[] = []): Promise<void> {
  bots.push(await startBotProcess(coord, dir.path, id, ['--pool', 'caches', ...extra]));
}

function slice(script: string, caches: { name: string; path: string }[], dims: string[] = []) {
  return {
    properties: {
      command: ['sh', '-c', script],
      dimensions: [
        { key: 'pool', value: 'caches' },
        ...dims.map((d) => ({ key: d.split('=')[0]!, value: d.split('=')[1]! })),
      ],
      caches,
    },
    expiration_secs: 30,
  };
}

async function submit(req: NewTaskRequest): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>((md, cb) => stub.NewTask(req, md, cb), bearer(token));
}

function waitFinal(taskId: string): Promise<TaskResultOut> {
  return new Promise((resolve, reject) => {
    let last: TaskResultOut | undefined;
    const s = stub.WaitTask({ task_id: taskId }, bearer(token), { deadline: Date.now() + 30_000 });
    s.on('data', (r: TaskResultOut) => (last = r));
    s.on('end', () => (last ? resolve(last) : reject(new Error('no result'))));
    s.on('error', reject);
  });
}

async function stdout(taskId: string): Promise<string> {
  const out = await call<TaskOutputOut>(
    (md, cb) => stub.GetStdout({ task_id: taskId }, md, cb),
    bearer(token),
  );
  return out.output.toString();
}

/** Resolves once `cond` holds (checked every 10 ms); rejects after `deadlineMs`. */
async function until(cond: () => boolean, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function cachesDimension(botId: string): readonly string[] | undefined {
  return coord.registry.dimensionListOf(botId)?.find((d) => d.key === 'caches')?.values;
}

describe('named caches', () => {
  it('keeps what one task wrote for the next task on the same bot', async () => {
    await startBot('warm-bot');
    const first = await submit({
      task_slices: [
        slice('echo built-once > deps/marker && ls -la | grep -c deps', [
          { name: 'deps_cache', path: 'deps' },
        ]),
      ],
    });
    const r1 = await waitFinal(first.task_id);
    expect(r1.state).toBe('COMPLETED');
    expect(r1.exit_code).toBe(0);
    // Reported before the result: the bot's dimensions carry the cache once the task is final.
    expect(cachesDimension('warm-bot')).toEqual(['deps_cache']);

    const second = await submit({
      task_slices: [
        slice('cat cache/in/here/marker', [{ name: 'deps_cache', path: 'cache/in/here' }]),
      ],
    });
    const r2 = await waitFinal(second.task_id);
    expect(r2.exit_code).toBe(0);
    expect(await stdout(second.task_id)).toBe('built-once\n');

    // The work dir (with the mount) goes after the result; the content stays in the cache dir.
    const botDir = join(dir.path, 'bots', 'warm-bot');
    await until(() => readdirSync(join(botDir, 'w')).length === 0);
    expect(readdirSync(join(botDir, 'caches', 'deps_cache'))).toEqual(['marker']);
    // And in its state, with its size.
    const stored = await coord.store.getBot('warm-bot');
    expect(stored?.state['caches']).toEqual([{ name: 'deps_cache', size_bytes: 11 }]);
  });

  it('lets a task prefer a bot with a warm cache and fall back to any bot', async () => {
    await startBot('cold-bot');
    const preferWarm = (script: string) => ({
      task_slices: [
        slice(script, [{ name: 'ccache', path: 'c' }], ['caches=ccache']),
        slice(script, [{ name: 'ccache', path: 'c' }]),
      ],
    });
    // No bot has the cache yet: the first slice has no capacity, the fallback runs.
    const cold = await submit(preferWarm('touch c/warm'));
    const coldResult = await waitFinal(cold.task_id);
    expect(coldResult.state).toBe('COMPLETED');
    expect(coldResult.current_task_slice).toBe(1);
    // Now the bot advertises it: the first slice is taken.
    const warm = await submit(preferWarm('test -f c/warm'));
    const warmResult = await waitFinal(warm.task_id);
    expect(warmResult.exit_code).toBe(0);
    expect(warmResult.current_task_slice).toBe(0);
    expect(warmResult.bot_dimensions.find((d) => d.key === 'caches')?.value).toEqual(['ccache']);
  });

  it('evicts the least recently used cache once the caches outgrow the limit', async () => {
    await startBot('tiny-bot', ['--cache-max-bytes', '1000']);
    const fill = (name: string) =>
      submit({ task_slices: [slice('head -c 600 /dev/zero > c/fill', [{ name, path: 'c' }])] });
    expect((await waitFinal((await fill('older')).task_id)).exit_code).toBe(0);
    expect(cachesDimension('tiny-bot')).toEqual(['older']);
    expect((await waitFinal((await fill('newer')).task_id)).exit_code).toBe(0);
    // 1200 bytes > 1000: `older` (used longest ago) went, `newer` stays.
    expect(cachesDimension('tiny-bot')).toEqual(['newer']);
    const caches = join(dir.path, 'bots', 'tiny-bot', 'caches');
    expect(existsSync(join(caches, 'older'))).toBe(false);
    expect(readdirSync(join(caches, 'newer'))).toEqual(['fill']);
  });

  it('refuses bad cache requests at submit, naming the field', async () => {
    const cases: Array<[{ name: string; path: string }[], string]> = [
      [[{ name: 'Bad-Name', path: 'x' }], 'task_slices[0].properties.caches[0].name'],
      [[{ name: 'ok', path: '/abs' }], 'task_slices[0].properties.caches[0].path'],
      [[{ name: 'ok', path: 'a/../../b' }], 'task_slices[0].properties.caches[0].path'],
      [
        [
          { name: 'a', path: 'x' },
          { name: 'a', path: 'y' },
        ],
        'task_slices[0].properties.caches[1].name',
      ],
      [
        [
          { name: 'a', path: 'x' },
          { name: 'b', path: 'x/y' },
        ],
        'task_slices[0].properties.caches[1].path',
      ],
    ];
    for (const [caches, field] of cases) {
      const err = await submit({ task_slices: [slice('true', caches)] }).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).toContain(field);
    }
  });
});
