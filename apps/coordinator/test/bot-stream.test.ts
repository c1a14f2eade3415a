import { status, type ServiceError } from '@grpc/grpc-js';
import type {
  CancelTaskResponseOut,
  CoordinatorMessageOut,
  NewTaskResponseOut,
  TaskOutputOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index';
import { bearer, call, readToken, startTestCoordinator, tasksStub, tempDir } from './harness';
import { ScriptedBot } from './scripted-bot';

let dir: ReturnType<typeof tempDir>;
let coord: RunningCoordinator;
let stub: TasksClient;
let token: string;
const bots: ScriptedBot[] = [];

beforeEach(async () => {
  dir = tempDir();
  coord = await startTestCoordinator(dir.path, { botPingToleranceSecs: 1 });
  stub = tasksStub(coord.grpcAddress);
  token = readToken(dir.path, 'client');
});

afterEach(async () => {
  for (const b of bots.splice(0)) b.crash();
  stub.close();
  await coord.close();
  dir.remove();
});

function bot(tok = readToken(dir.path, 'bot')): ScriptedBot {
  const b = new ScriptedBot(coord.grpcAddress, tok);
  bots.push(b);
  return b;
}

async function submit(command = ['true']): Promise<string> {
  const res = await call<NewTaskResponseOut>(
    (md, cb) =>
      stub.NewTask(
        {
          task_slices: [
            {
              properties: { command, dimensions: [{ key: 'pool', value: 'default' }] },
              wait_for_capacity: true,
            },
          ],
        },
        md,
        cb,
      ),
    bearer(token),
  );
  return res.task_id;
}

const result = (id: string) =>
  call<TaskResultOut>((md, cb) => stub.GetResult({ task_id: id }, md, cb), bearer(token));

/** Follows WaitTask until the task is final. */
function finalResult(id: string): Promise<TaskResultOut> {
  return new Promise((resolve, reject) => {
    let last: TaskResultOut | undefined;
    const stream = stub.WaitTask({ task_id: id }, bearer(token));
    stream.on('data', (r: TaskResultOut) => (last = r));
    stream.on('end', () => (last ? resolve(last) : reject(new Error('no result'))));
    stream.on('error', reject);
  });
}

async function connectedBotWithTask(botId: string) {
  const b = bot();
  b.hello(botId);
  await b.next((m) => m.msg === 'welcome');
  const taskId = await submit();
  const assign = (await b.next((m) => m.msg === 'assign')).assign!;
  expect(assign.task_id).toBe(taskId);
  return { b, taskId, leaseId: assign.lease_id };
}

describe('the bot stream', () => {
  it('refuses reports carrying a stale lease and leaves the task as it was', async () => {
    const { b, taskId, leaseId } = await connectedBotWithTask('b1');
    b.send({
      output: { task_id: taskId, lease_id: 'not-the-lease', offset: 0, data: Buffer.from('evil') },
    });
    expect((await b.next((m) => m.msg === 'ack')).ack).toMatchObject({
      task_id: taskId,
      stale: true,
    });
    b.send({ task_finished: { task_id: taskId, lease_id: 'not-the-lease', exit_code: 0 } });
    expect((await b.next((m) => m.msg === 'ack')).ack).toMatchObject({ stale: true });
    expect((await result(taskId)).state).toBe('RUNNING');

    b.send({
      output: { task_id: taskId, lease_id: leaseId, offset: 0, data: Buffer.from('ok\n') },
    });
    b.send({ task_finished: { task_id: taskId, lease_id: leaseId, exit_code: 0, output_size: 3 } });
    const final = await finalResult(taskId);
    expect(final).toMatchObject({ state: 'COMPLETED', exit_code: 0, output_size: 3 });
  });

  it('takes TaskStarted, Output and TaskFinished written together: output and result stored, one finished Ack last', async () => {
    const { b, taskId, leaseId } = await connectedBotWithTask('b1');
    const lease = { task_id: taskId, lease_id: leaseId };
    b.send({ task_started: lease });
    b.send({ output: { ...lease, offset: 0, data: Buffer.from('hello\n') } });
    b.send({ task_finished: { ...lease, exit_code: 0, output_size: 6 } });
    const acks: NonNullable<CoordinatorMessageOut['ack']>[] = [];
    await b.next((m) => {
      if (m.ack) acks.push(m.ack);
      return m.ack?.finished === true;
    });
    expect(acks.at(-1)).toMatchObject({ ...lease, finished: true, stale: false });
    // Output Acks (if any came before it) never go back.
    const offsets = acks.slice(0, -1).map((a) => Number(a.output_offset));
    expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    expect(await finalResult(taskId)).toMatchObject({
      state: 'COMPLETED',
      exit_code: 0,
      output_size: 6,
    });
    const stored = await call<TaskOutputOut>(
      (md, cb) => stub.GetStdout({ task_id: taskId }, md, cb),
      bearer(token),
    );
    expect(stored.output.toString()).toBe('hello\n');
  });

  it('refuses TaskStarted and TaskFinished written together under a stale lease, and takes them under the real one', async () => {
    const { b, taskId, leaseId } = await connectedBotWithTask('b1');
    const stale = { task_id: taskId, lease_id: 'not-the-lease' };
    b.send({ task_started: stale });
    b.send({ task_finished: { ...stale, exit_code: 0 } });
    expect((await b.next((m) => m.msg === 'ack')).ack).toMatchObject({ ...stale, stale: true });
    expect((await result(taskId)).state).toBe('RUNNING');

    b.send({ task_started: { task_id: taskId, lease_id: leaseId } });
    b.send({ task_finished: { task_id: taskId, lease_id: leaseId, exit_code: 3 } });
    expect(
      (await b.next((m) => m.ack?.finished === true && m.ack.lease_id === leaseId)).ack,
    ).toMatchObject({ stale: false });
    expect(await finalResult(taskId)).toMatchObject({ state: 'COMPLETED', exit_code: 3 });
  });

  it('stores resent and overlapping output once, by offset', async () => {
    const { b, taskId, leaseId } = await connectedBotWithTask('b1');
    const out = (offset: number, s: string) =>
      b.send({ output: { task_id: taskId, lease_id: leaseId, offset, data: Buffer.from(s) } });
    out(0, 'abc');
    out(0, 'abc');
    out(2, 'cde');
    b.send({ task_finished: { task_id: taskId, lease_id: leaseId, exit_code: 0, output_size: 5 } });
    await finalResult(taskId);
    const stored = await call<TaskOutputOut>(
      (md, cb) => stub.GetStdout({ task_id: taskId }, md, cb),
      bearer(token),
    );
    expect(stored.output.toString()).toBe('abcde');
  });

  it('ends a task as BOT_DIED at once when its bot reconnects without it', async () => {
    const { b, taskId } = await connectedBotWithTask('b1');
    b.crash();
    const again = bot();
    again.hello('b1', []);
    await again.next((m) => m.msg === 'welcome');
    const final = await finalResult(taskId);
    expect(final).toMatchObject({ state: 'BOT_DIED', internal_failure: true });
    expect(final.abandoned_ts).not.toBeNull();
  });

  it('sends a kill asked while the bot was away again when it comes back with the task', async () => {
    const { b, taskId, leaseId } = await connectedBotWithTask('b1');
    b.crash();
    const cancel = await call<CancelTaskResponseOut>(
      (md, cb) => stub.CancelTask({ task_id: taskId, kill_running: true }, md, cb),
      bearer(token),
    );
    expect(cancel).toMatchObject({ canceled: true, was_running: true });
    const again = bot();
    again.hello('b1', [{ task_id: taskId, lease_id: leaseId }]);
    const kill = (await again.next((m) => m.msg === 'kill')).kill!;
    expect(kill).toMatchObject({ task_id: taskId, lease_id: leaseId });
    again.send({
      task_finished: { task_id: taskId, lease_id: leaseId, exit_code: -15, killed: true },
    });
    expect((await finalResult(taskId)).state).toBe('KILLED');
  });

  it('ends the task of a bot silent past the ping tolerance as BOT_DIED', async () => {
    const { taskId } = await connectedBotWithTask('silent');
    const final = await finalResult(taskId);
    expect(final).toMatchObject({ state: 'BOT_DIED', internal_failure: true });
  });

  it('refuses a client token on the bot stream as PERMISSION_DENIED', async () => {
    const b = bot(token);
    b.hello('b1');
    const err = (await b.ended()) as ServiceError;
    expect(err.code).toBe(status.PERMISSION_DENIED);
  });

  it('refuses a Hello without a pool as INVALID_ARGUMENT naming the field', async () => {
    const b = bot();
    b.send({ hello: { bot_id: 'b1', dimensions: [{ key: 'os', value: ['Linux'] }] } });
    const err = (await b.ended()) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^hello\.dimensions: pool/);
  });

  it('gives a second task to the bot only after it reported the first', async () => {
    const { b, taskId, leaseId } = await connectedBotWithTask('b1');
    const second = await submit();
    expect((await result(second)).state).toBe('PENDING');
    b.send({ task_finished: { task_id: taskId, lease_id: leaseId, exit_code: 0 } });
    const assign = (await b.next((m) => m.msg === 'assign')).assign!;
    expect(assign.task_id).toBe(second);
  });

  it('ends a task still RUNNING past execution timeout + grace + tolerance as BOT_DIED, though its bot pings', async () => {
    const b = bot();
    b.hello('pinger');
    await b.next((m) => m.msg === 'welcome');
    const beat = setInterval(() => b.send({ heartbeat: { state: {} } }), 200);
    try {
      const res = await call<NewTaskResponseOut>(
        (md, cb) =>
          stub.NewTask(
            {
              task_slices: [
                {
                  properties: {
                    command: ['sleep', '100'],
                    dimensions: [{ key: 'pool', value: 'default' }],
                    execution_timeout_secs: 1,
                    grace_period_secs: 0,
                  },
                },
              ],
            },
            md,
            cb,
          ),
        bearer(token),
      );
      await b.next((m) => m.msg === 'assign');
      const final = await finalResult(res.task_id);
      expect(final).toMatchObject({ state: 'BOT_DIED', internal_failure: true });
      expect(final.summary).toMatch(/execution timeout/);
    } finally {
      clearInterval(beat);
    }
  });

  it('takes a bot reporting a quarantine reason out of dispatch and capacity, and shows it in its dimensions', async () => {
    const b = bot();
    b.hello('low-disk-bot');
    await b.next((m) => m.msg === 'welcome');
    b.send({ heartbeat: { state: { quarantined_reason: 'low disk: 10 MiB free < 1 GiB' } } });
    for (;;) {
      const stored = await coord.store.getBot('low-disk-bot');
      if (stored?.dimensions.some((d) => d.key === 'quarantined')) {
        expect(stored.dimensions).toContainEqual({
          key: 'quarantined',
          values: ['low disk: 10 MiB free < 1 GiB'],
        });
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const res = await call<NewTaskResponseOut>(
      (md, cb) =>
        stub.NewTask(
          {
            task_slices: [
              {
                properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'default' }] },
              },
            ],
          },
          md,
          cb,
        ),
      bearer(token),
    );
    expect(res.result?.state).toBe('NO_RESOURCE');
    b.send({ heartbeat: { state: { quarantined_reason: '' } } });
    const waiting = await submit();
    expect((await b.next((m) => m.msg === 'assign')).assign?.task_id).toBe(waiting);
  });
});
