import { status, type ServiceError } from '@grpc/grpc-js';
import {
  buildInfo,
  type NewTaskRequest,
  type NewTaskResponseOut,
  type TasksClient,
} from '@drover/protocol';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from './harness';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: TasksClient;
let token: string;

beforeAll(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterAll(async () => {
  stub.close();
  await coord.close();
  dir.remove();
});

function newTask(req: NewTaskRequest, tok: string | null = token): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>((md, cb) => stub.NewTask(req, md, cb), bearer(tok ?? undefined));
}

function storedTaskCount(): number {
  const db = new Database(join(dir.path, 'drover.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const good = { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] };

describe('NewTask input validation over gRPC', () => {
  const cases: Array<[string, NewTaskRequest, string]> = [
    [
      'no command',
      { task_slices: [{ properties: { ...good, command: [] } }] },
      'task_slices[0].properties.command',
    ],
    [
      'no pool',
      { task_slices: [{ properties: { ...good, dimensions: [{ key: 'os', value: 'Linux' }] } }] },
      'task_slices[0].properties.dimensions',
    ],
    [
      'a bad dimension key',
      {
        task_slices: [
          {
            properties: {
              ...good,
              dimensions: [
                { key: 'pool', value: 'default' },
                { key: 'bad key!', value: 'x' },
              ],
            },
          },
        ],
      },
      'task_slices[0].properties.dimensions[1].key',
    ],
    [
      'a negative timeout',
      { task_slices: [{ properties: { ...good, execution_timeout_secs: -5 } }] },
      'task_slices[0].properties.execution_timeout_secs',
    ],
    ['no slices', {}, 'task_slices'],
  ];

  it.each(cases)(
    'answers INVALID_ARGUMENT naming the field for %s, and stores nothing',
    async (_what, req, field) => {
      const before = storedTaskCount();
      const err = (await newTask(req).catch((e: unknown) => e)) as ServiceError;
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details.startsWith(`${field}:`)).toBe(true);
      expect(storedTaskCount()).toBe(before);
    },
  );

  it('stores a task nobody can run as NO_RESOURCE at once, never PENDING', async () => {
    const res = await newTask({
      name: 'lonely',
      task_slices: [
        { properties: { ...good, dimensions: [{ key: 'pool', value: 'nobody-here' }] } },
      ],
    });
    expect(res.result?.state).toBe('NO_RESOURCE');
    expect(res.result?.abandoned_ts).not.toBeNull();
    expect(res.result?.summary).toContain('pool=nobody-here');
  });
});

describe('authentication', () => {
  it('refuses a call without a token as UNAUTHENTICATED', async () => {
    const err = (await newTask({ task_slices: [{ properties: good }] }, null).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(err.code).toBe(status.UNAUTHENTICATED);
  });

  it('refuses a wrong token as UNAUTHENTICATED', async () => {
    const err = (await newTask({ task_slices: [{ properties: good }] }, 'drv_c_wrong').catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(err.code).toBe(status.UNAUTHENTICATED);
  });

  it('refuses a bot token on the Tasks service as PERMISSION_DENIED', async () => {
    const err = (await newTask(
      { task_slices: [{ properties: good }] },
      readToken(dir.path, 'bot'),
    ).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.PERMISSION_DENIED);
  });

  it('serves /healthz and the login page without a token, and no data', async () => {
    const health = await fetch(`http://${coord.httpAddress}/healthz`);
    expect(health.status).toBe(200);
    const { version, commit } = buildInfo();
    expect(await health.json()).toEqual({ status: 'ok', version, commit });
    expect((await fetch(`http://${coord.httpAddress}/`)).status).toBe(200);
    expect((await fetch(`http://${coord.httpAddress}/api/tasks`)).status).toBe(401);
    expect((await fetch(`http://${coord.httpAddress}/metrics`)).status).toBe(401);
    expect((await fetch(`http://${coord.httpAddress}/nothing-here`)).status).toBe(404);
  });
});
