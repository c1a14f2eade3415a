import { status, type ServiceError } from '@grpc/grpc-js';
import type {
  NewTaskRequest,
  NewTaskResponseOut,
  TaskPropertiesOut,
  TaskRequestOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from './harness';
import { ScriptedBot } from './scripted-bot';

/**
 * Per-task resource limits (memory_limit_bytes, pids_limit, cpu_weight) through a real
 * coordinator: refused at NewTask outside their ranges, returned by GetRequest, carried in the
 * TaskManifest a bot gets on Assign (0 = none), kept apart by dedup; a TaskFinished with
 * memory_limit_killed gives the summary "killed by the memory limit (<N> bytes)".
 */

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: TasksClient;
let token: string;
const bots: ScriptedBot[] = [];

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path);
  stub = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterEach(async () => {
  for (const b of bots.splice(0)) b.crash();
  stub.close();
  await coord.close();
  dir.remove();
});

const MIB = 1024 ** 2;
const LIMITS = { memory_limit_bytes: 256 * MIB, pids_limit: 64, cpu_weight: 50 };

function properties(extra: Partial<TaskPropertiesOut> = {}) {
  return { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }], ...extra };
}

function newTask(req: NewTaskRequest): Promise<NewTaskResponseOut> {
  return call<NewTaskResponseOut>((md, cb) => stub.NewTask(req, md, cb), bearer(token));
}

function submit(extra: Partial<TaskPropertiesOut>, idempotent = false) {
  return newTask({
    task_slices: [{ properties: properties({ ...extra, idempotent }), wait_for_capacity: true }],
  });
}

/** Follows WaitTask until the task is final. */
function finalResult(id: string): Promise<TaskResultOut> {
  return new Promise((resolve, reject) => {
    let last: TaskResultOut | undefined;
    const stream = stub.WaitTask({ task_id: id }, bearer(token), {
      deadline: Date.now() + 20_000,
    });
    stream.on('data', (r: TaskResultOut) => (last = r));
    stream.on('end', () => (last ? resolve(last) : reject(new Error('no result'))));
    stream.on('error', reject);
  });
}

async function connectedBot(botId: string): Promise<ScriptedBot> {
  const b = new ScriptedBot(coord.grpcAddress, readToken(dir.path, 'bot'));
  bots.push(b);
  b.hello(
    botId,
    [],
    [
      { key: 'pool', value: ['default'] },
      { key: 'limits', value: ['cpu', 'memory', 'pids'] },
    ],
  );
  await b.next((m) => m.msg === 'welcome');
  return b;
}

describe('NewTask with resource limits over gRPC', () => {
  const cases: Array<[string, Partial<TaskPropertiesOut>]> = [
    ['memory_limit_bytes below 1 MiB', { memory_limit_bytes: MIB - 1 }],
    ['memory_limit_bytes above 1 TiB', { memory_limit_bytes: 1024 ** 4 + 1 }],
    ['pids_limit below 1', { pids_limit: 0 }],
    ['pids_limit above 65536', { pids_limit: 65_537 }],
    ['cpu_weight below 1', { cpu_weight: 0 }],
    ['cpu_weight above 10000', { cpu_weight: 10_001 }],
  ];

  it.each(cases)('answers INVALID_ARGUMENT naming the field for %s', async (_what, extra) => {
    const err = (await submit(extra).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    const field = Object.keys(extra)[0]!;
    expect(err.details).toMatch(new RegExp(`^task_slices\\[0\\]\\.properties\\.${field}: `));
  });

  it('accepts each at the ends of its range and returns it in GetRequest', async () => {
    for (const limits of [
      { memory_limit_bytes: MIB, pids_limit: 1, cpu_weight: 1 },
      { memory_limit_bytes: 1024 ** 4, pids_limit: 65_536, cpu_weight: 10_000 },
    ]) {
      const res = await submit(limits);
      const request = await call<TaskRequestOut>(
        (md, cb) => stub.GetRequest({ task_id: res.task_id }, md, cb),
        bearer(token),
      );
      expect(request.task_slices[0]!.properties).toMatchObject(limits);
    }
  });
});

describe('resource limits on the bot stream', () => {
  it('sends them in the Assign manifest, and 0 for a task without any', async () => {
    const b = await connectedBot('limits-1');
    const limited = await submit(LIMITS);
    const first = (await b.next((m) => m.msg === 'assign')).assign!;
    expect(first.task_id).toBe(limited.task_id);
    expect(first.manifest).toMatchObject(LIMITS);
    b.send({ task_finished: { task_id: first.task_id, lease_id: first.lease_id, exit_code: 0 } });
    await finalResult(limited.task_id);

    const plain = await submit({});
    const second = (await b.next((m) => m.msg === 'assign')).assign!;
    expect(second.task_id).toBe(plain.task_id);
    expect(second.manifest).toMatchObject({ memory_limit_bytes: 0, pids_limit: 0, cpu_weight: 0 });
  });

  it('says "killed by the memory limit (<N> bytes)" for memory_limit_killed; the exit decides the state', async () => {
    const b = await connectedBot('limits-2');
    const res = await submit(LIMITS);
    const assign = (await b.next((m) => m.msg === 'assign')).assign!;
    b.send({ task_started: { task_id: assign.task_id, lease_id: assign.lease_id } });
    b.send({
      task_finished: {
        task_id: assign.task_id,
        lease_id: assign.lease_id,
        exit_code: -9,
        memory_limit_killed: true,
      },
    });
    const final = await finalResult(res.task_id);
    expect(final).toMatchObject({
      state: 'COMPLETED',
      exit_code: -9,
      failure: true,
      summary: `killed by the memory limit (${256 * MIB} bytes)`,
    });
  });

  it('dedups an idempotent task only onto one with the same limits', async () => {
    const b = await connectedBot('limits-3');
    const first = await submit(LIMITS, true);
    const assign = (await b.next((m) => m.msg === 'assign')).assign!;
    b.send({ task_finished: { task_id: assign.task_id, lease_id: assign.lease_id, exit_code: 0 } });
    expect((await finalResult(first.task_id)).state).toBe('COMPLETED');

    const same = await submit(LIMITS, true);
    expect(same.result?.deduped_from).toBe(first.task_id);
    for (const other of [{}, { ...LIMITS, memory_limit_bytes: 512 * MIB }]) {
      const res = await submit(other, true);
      expect(res.result?.deduped_from).toBe('');
      expect(res.result?.state).toBe('PENDING');
    }
  });
});
