import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BotSession, isProcessRunning, type SessionOptions } from '../src/index';
import { sh, tempDir, until, within } from './helpers';
import { TestCoordinator, type TestStream } from './test-coordinator';

let root: string;
let cleanup: () => Promise<void>;
let coordinator: TestCoordinator;
let session: BotSession | undefined;

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempDir());
  coordinator = await TestCoordinator.start();
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  coordinator.close();
  await cleanup();
});

function startSession(over: Partial<SessionOptions> = {}): BotSession {
  session = new BotSession({
    server: coordinator.address,
    token: 'bot-secret',
    botId: 'bot-a',
    dimensions: { id: ['bot-a'], os: ['Linux'], pool: ['default'] },
    botDir: root,
    version: 'test',
    taskBaseEnv: { PATH: process.env.PATH },
    log: pino({ level: process.env.DROVER_TEST_LOG ?? 'silent' }),
    heartbeatIntervalMs: 50,
    backoff: { initialMs: 20, maxMs: 200 },
    taskOverrides: { graceMs: 300 },
    drainTimeoutMs: 2_000,
    ...over,
  });
  session.start();
  return session;
}

/** Opens the first stream and answers its Hello. */
async function connected(): Promise<TestStream> {
  const stream = await coordinator.stream(0);
  await stream.take('hello');
  stream.welcome();
  return stream;
}

function assign(
  stream: TestStream,
  taskId: string,
  script: string,
  leaseId = `lease-${taskId}`,
): void {
  stream.send({ assign: { task_id: taskId, lease_id: leaseId, manifest: sh(script) } });
}

function joined(pieces: { offset: number; data: string }[]): string {
  let offset = pieces[0]?.offset ?? 0;
  for (const p of pieces) {
    expect(p.offset).toBe(offset);
    offset += Buffer.byteLength(p.data);
  }
  return pieces.map((p) => p.data).join('');
}

describe('session', () => {
  it('says Hello with its id, dimensions, version and token, then heartbeats after Welcome', async () => {
    startSession();
    const stream = await coordinator.stream(0);
    const hello = await stream.take('hello');
    expect(stream.authorization).toBe('Bearer bot-secret');
    expect(hello).toMatchObject({ bot_id: 'bot-a', version: 'test', running: [] });
    expect(hello.dimensions).toEqual([
      { key: 'id', value: ['bot-a'] },
      { key: 'os', value: ['Linux'] },
      { key: 'pool', value: ['default'] },
    ]);
    expect(hello.state?.free_disk_bytes).toBeGreaterThan(0);
    stream.welcome();
    const hb = await stream.take('heartbeat');
    expect(hb.state).toMatchObject({ running_task_id: '', quarantined_reason: '' });
    expect(session?.state).toEqual({ kind: 'connected', sessionId: 's1' });
  });

  it('runs an assignment: task_started, contiguous output, then task_finished', async () => {
    startSession();
    const stream = await connected();
    assign(stream, 't1', 'echo hi; echo there >&2; exit 3');
    expect(await stream.take('task_started')).toEqual({ task_id: 't1', lease_id: 'lease-t1' });
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({
      task_id: 't1',
      lease_id: 'lease-t1',
      exit_code: 3,
      timed_out: 'TIMEOUT_NONE',
      killed: false,
      canceled: false,
      output_size: 9,
      client_error: '',
    });
    const out = joined(await stream.outputUntil('t1', ''));
    expect(out).toBe('hi\nthere\n');
    // Output precedes the result on the stream.
    const kinds = stream.received.map((m) => m.msg);
    expect(kinds.lastIndexOf('output')).toBeLessThan(kinds.indexOf('task_finished'));
  });

  it('cuts large output into pieces of at most 64 KiB at contiguous offsets', async () => {
    startSession();
    const stream = await connected();
    assign(stream, 'big', 'head -c 300000 /dev/zero | tr "\\0" x');
    const finished = await stream.take('task_finished');
    expect(finished.output_size).toBe(300_000);
    const outputs = stream.all('output');
    for (const o of outputs) expect(o.data.length).toBeLessThanOrEqual(64 * 1024);
    const text = joined(
      outputs.map((o) => ({ offset: Number(o.offset), data: o.data.toString('latin1') })),
    );
    expect(text).toBe('x'.repeat(300_000));
  });

  it('reports a bad relative_cwd as a client error', async () => {
    startSession();
    const stream = await connected();
    stream.send({
      assign: { task_id: 't1', lease_id: 'l1', manifest: sh('true', { relative_cwd: '../up' }) },
    });
    const finished = await stream.take('task_finished');
    expect(finished.client_error).toMatch(/relative_cwd/);
    expect(finished.exit_code).toBeUndefined();
  });

  it('kills the running task on Kill', async () => {
    startSession();
    const stream = await connected();
    assign(stream, 't1', 'echo ready; sleep 1000');
    await stream.outputUntil('t1', 'ready');
    await until('a heartbeat naming the task', () =>
      stream.all('heartbeat').some((h) => h.state?.running_task_id === 't1'),
    );
    stream.send({ kill: { task_id: 't1', lease_id: 'other-lease', reason: 'wrong lease' } });
    stream.send({ kill: { task_id: 't1', lease_id: 'lease-t1', reason: 'user asked' } });
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({ killed: true, exit_code: -15, timed_out: 'TIMEOUT_NONE' });
  });

  it('drops output below an acked offset: a new stream resends only the rest', async () => {
    const go = path.join(root, 'go');
    startSession();
    const first = await connected();
    assign(first, 't1', `echo one; while [ ! -e ${go} ]; do sleep 0.01; done; echo two`);
    await first.outputUntil('t1', 'one\n');
    first.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 4 } });
    first.end();

    const second = await coordinator.stream(1);
    const hello = await second.take('hello');
    expect(hello.running).toEqual([
      { task_id: 't1', lease_id: 'lease-t1', output_offset: 4, finished: false },
    ]);
    second.welcome();
    await writeFile(go, '');
    const finished = await second.take('task_finished');
    expect(finished).toMatchObject({ exit_code: 0, output_size: 8 });
    const pieces = await second.outputUntil('t1', 'two\n');
    expect(pieces[0]?.offset).toBe(4);
    expect(joined(pieces)).toBe('two\n');
  });

  it('resends unacknowledged output from offset 0 after the stream ends mid-task; the task keeps running', async () => {
    const go = path.join(root, 'go');
    startSession();
    const first = await connected();
    assign(first, 't1', `echo one; while [ ! -e ${go} ]; do sleep 0.01; done; echo two`);
    await first.outputUntil('t1', 'one\n');
    first.end();

    const second = await coordinator.stream(1);
    expect((await second.take('hello')).running).toEqual([
      { task_id: 't1', lease_id: 'lease-t1', output_offset: 4, finished: false },
    ]);
    second.welcome();
    expect(joined(await second.outputUntil('t1', 'one\n'))).toBe('one\n');
    await writeFile(go, '');
    const finished = await second.take('task_finished');
    expect(finished).toMatchObject({ task_id: 't1', exit_code: 0, output_size: 8 });
    expect(joined(await second.outputUntil('t1', 'two\n'))).toBe('one\ntwo\n');
    expect(second.all('task_started')).toEqual([]);
  });

  it('keeps an unacknowledged result and sends it again after a reconnect; forgets it once acked', async () => {
    startSession();
    const first = await connected();
    assign(first, 't1', 'echo x');
    await first.take('task_finished');
    first.end();

    const second = await coordinator.stream(1);
    expect((await second.take('hello')).running).toEqual([
      { task_id: 't1', lease_id: 'lease-t1', output_offset: 2, finished: true },
    ]);
    second.welcome();
    expect(joined(await second.outputUntil('t1', 'x\n'))).toBe('x\n');
    expect(await second.take('task_finished')).toMatchObject({
      task_id: 't1',
      exit_code: 0,
      output_size: 2,
    });
    second.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 2, finished: true } });
    // The ack is processed before the stream's end, so the third Hello no longer carries the task.
    second.end();
    const third = await coordinator.stream(2);
    expect((await third.take('hello')).running).toEqual([]);
  });

  it('kills and forgets a task whose lease is stale', async () => {
    const pidFile = path.join(root, 'pid');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `echo $$ > ${pidFile}; echo ready; sleep 1000`);
    await stream.outputUntil('t1', 'ready');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', stale: true } });
    await until('stale task killed', () => !isProcessRunning(pid));
    assign(stream, 't2', 'echo next');
    expect(await stream.take('task_finished')).toMatchObject({ task_id: 't2', exit_code: 0 });
    expect(stream.all('task_finished').map((f) => f.task_id)).toEqual(['t2']);
  });

  it('stops for good on UNAUTHENTICATED', async () => {
    startSession();
    const stream = await coordinator.stream(0);
    await stream.take('hello');
    stream.fail(grpc.status.UNAUTHENTICATED, 'bad token');
    const end = await within('session end', session!.done);
    expect(end).toEqual({ kind: 'fatal', code: grpc.status.UNAUTHENTICATED, details: 'bad token' });
    expect(coordinator.streams).toHaveLength(1);
  });

  it('kills the running task before stopping on a fatal status', async () => {
    const pidFile = path.join(root, 'pid');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `echo $$ > ${pidFile}; echo ready; sleep 1000`);
    await stream.outputUntil('t1', 'ready');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    stream.fail(grpc.status.PERMISSION_DENIED, 'revoked');
    expect(await within('session end', session!.done)).toMatchObject({
      kind: 'fatal',
      code: grpc.status.PERMISSION_DENIED,
    });
    expect(isProcessRunning(pid)).toBe(false);
  });

  it('reconnects with backoff after UNAVAILABLE', async () => {
    let refused = 0;
    coordinator.close();
    coordinator = await TestCoordinator.start((s) => {
      if (refused < 2) {
        refused += 1;
        s.fail(grpc.status.UNAVAILABLE, 'not now');
      }
    });
    startSession();
    const third = await coordinator.stream(2);
    await third.take('hello');
    third.welcome();
    await until('connected', () => session?.state.kind === 'connected');
  });

  it('on Terminate finishes the running task, delivers its result, then stops', async () => {
    const go = path.join(root, 'go');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `while [ ! -e ${go} ]; do sleep 0.01; done; echo done`);
    await stream.take('task_started');
    stream.send({ terminate: { reason: 'admin' } });
    await until('stopping heartbeat', () =>
      stream
        .all('heartbeat')
        .some((h) => h.state?.quarantined_reason.includes('stopping') === true),
    );
    expect(session?.state).toEqual({ kind: 'stopping', reason: 'terminate' });
    assign(stream, 't2', 'echo never');
    await writeFile(go, '');
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({ task_id: 't1', exit_code: 0 });
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 5, finished: true } });
    expect(await within('session end', session!.done)).toEqual({
      kind: 'stopped',
      reason: 'terminate',
    });
    await within('stream end', stream.ended);
    expect(stream.all('task_started').map((s) => s.task_id)).toEqual(['t1']);
  });

  it('stop() with killRunning runs the dance on the running task', async () => {
    const mark = path.join(root, 'cleaned');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `trap 'echo bye > ${mark}; exit 7' TERM; echo ready; sleep 1000 & wait`);
    await stream.outputUntil('t1', 'ready');
    session!.stop({ reason: 'signal' });
    session!.stop({ reason: 'signal', killRunning: true });
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({ killed: true, exit_code: 7 });
    expect(existsSync(mark)).toBe(true);
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 6, finished: true } });
    expect(await within('session end', session!.done)).toEqual({
      kind: 'stopped',
      reason: 'signal',
    });
  });

  it('with once, stops after the first task is acknowledged', async () => {
    startSession({ once: true });
    const stream = await connected();
    assign(stream, 't1', 'true');
    await stream.take('task_finished');
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', finished: true } });
    expect(await within('session end', session!.done)).toEqual({ kind: 'stopped', reason: 'once' });
  });
});
