import { status, type ServiceError } from '@grpc/grpc-js';
import type { NewTaskRequest, NewTaskResponseOut, TaskResultOut } from '@drover/protocol';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, type RunningCoordinator } from '../src/index';
import {
  bearer,
  call,
  readToken,
  startTestCoordinator,
  tasksStub,
  tempDir,
  waitForEvent,
} from './harness';
import { ScriptedBot } from './scripted-bot';

// A settable clock: the only fake in these tests. Time moves only when a test says so.
let nowMs = Date.parse('2026-11-22T12:00:00Z');
const clock = () => nowMs;

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator | undefined;

beforeEach(() => {
  dir = tempDir();
  nowMs = Date.parse('2026-11-22T12:00:00Z');
});

afterEach(async () => {
  await coord?.close();
  coord = undefined;
  dir.remove();
});

async function restart(): Promise<RunningCoordinator> {
  await coord?.close();
  coord = await startTestCoordinator(dir.path, {}, clock);
  return coord;
}

async function submit(
  c: RunningCoordinator,
  req: NewTaskRequest,
  token = readToken(dir.path, 'client'),
) {
  const stub = tasksStub(c.grpcAddress);
  try {
    return await call<NewTaskResponseOut>((md, cb) => stub.NewTask(req, md, cb), bearer(token));
  } finally {
    stub.close();
  }
}

async function result(c: RunningCoordinator, id: string): Promise<TaskResultOut> {
  const stub = tasksStub(c.grpcAddress);
  try {
    return await call<TaskResultOut>(
      (md, cb) => stub.GetResult({ task_id: id }, md, cb),
      bearer(readToken(dir.path, 'client')),
    );
  } finally {
    stub.close();
  }
}

const waiting = (pool: string, expirationSecs: number): NewTaskRequest => ({
  task_slices: [
    {
      properties: { command: ['true'], dimensions: [{ key: 'pool', value: pool }] },
      expiration_secs: expirationSecs,
      wait_for_capacity: true,
    },
  ],
});

describe('a coordinator restart', () => {
  it('expires at start-up a task whose deadline passed while it was down', async () => {
    let c = await restart();
    const created = await submit(c, waiting('nobody', 60));
    expect(created.result?.state).toBe('PENDING');
    await c.close();
    nowMs += 61_000;
    c = await restart();
    // The expiry runs from the start-up rebuild; follow the task until it is final.
    const stub = tasksStub(c.grpcAddress);
    const seen: TaskResultOut[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = stub.WaitTask({ task_id: created.task_id }, bearer(readToken(dir.path, 'client')));
      s.on('data', (r: TaskResultOut) => seen.push(r));
      s.on('end', () => resolve());
      s.on('error', reject);
    });
    stub.close();
    expect(seen.at(-1)).toMatchObject({ state: 'EXPIRED' });
  });

  it('keeps PENDING tasks queued across the restart', async () => {
    let c = await restart();
    const created = await submit(c, waiting('nobody', 3600));
    await c.close();
    nowMs += 10_000;
    c = await restart();
    expect((await result(c, created.task_id)).state).toBe('PENDING');
    expect(c.dispatcher.waitingCount).toBe(1);
  });

  it('still counts bots it knew as capacity until their death timeout', async () => {
    let c = await restart();
    const bot = new ScriptedBot(c.grpcAddress, readToken(dir.path, 'bot'));
    const connected = waitForEvent<string>(
      c.registry.events,
      'connected',
      (id) => id === 'known-bot',
    );
    bot.hello('known-bot');
    await connected;
    bot.crash();
    await c.close();

    nowMs += 60_000;
    c = await restart();
    const soon = await submit(c, {
      task_slices: [
        { properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] } },
      ],
    });
    expect(soon.result?.state).toBe('PENDING');

    nowMs += 600_000;
    const late = await submit(c, {
      task_slices: [
        { properties: { command: ['false'], dimensions: [{ key: 'pool', value: 'default' }] } },
      ],
    });
    expect(late.result?.state).toBe('NO_RESOURCE');
  });
});

describe('priority', () => {
  it('lets only admins use priorities below 20', async () => {
    const c0 = await restart();
    await c0.close();
    coord = undefined;
    // Add a non-admin client to the tokens file the first start wrote.
    const tokensPath = join(dir.path, 'tokens.json');
    const file = JSON.parse(readFileSync(tokensPath, 'utf8')) as {
      principals: Array<{ name: string; sha256: string; roles?: Record<string, string[]> }>;
    };
    file.principals.push({
      name: 'ci',
      sha256: hashToken('plain-user-token'),
      roles: { '*': ['view', 'submit', 'cancel'] },
    });
    writeFileSync(tokensPath, JSON.stringify(file));
    const c = await restart();
    const req: NewTaskRequest = { priority: 10, ...waiting('nobody', 60) };
    const err = (await submit(c, req, 'plain-user-token').catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(err.details).toMatch(/^priority:/);
    const admin = await submit(c, req);
    expect(admin.result?.state).toBe('PENDING');
    expect(admin.request?.priority).toBe(10);
  });
});
