import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { isProcessRunning, STOP_REASON_TEXT } from '../src/index';
import { sh, until, within } from './helpers';
import { assign, capturingLogger, joined, useSessionHarness } from './session-harness';
import { TestCoordinator } from './test-coordinator';

const h = useSessionHarness();
const { startSession, connected } = h;

describe('session', () => {
  it('says Hello with its id, dimensions, version and token, then heartbeats after Welcome', async () => {
    startSession();
    const stream = await h.coordinator.stream(0);
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
    expect(h.session?.state).toEqual({ kind: 'connected', sessionId: 's1' });
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
    // Nothing runs under that lease: the answer says so, and the task keeps running.
    expect(await stream.take('task_finished')).toMatchObject({
      task_id: 't1',
      lease_id: 'other-lease',
      canceled: true,
    });
    stream.send({ kill: { task_id: 't1', lease_id: 'lease-t1', reason: 'user asked' } });
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({ killed: true, exit_code: -15, timed_out: 'TIMEOUT_NONE' });
  });

  it('drops output below an acked offset: a new stream resends only the rest', async () => {
    const go = path.join(h.root, 'go');
    startSession();
    const first = await connected();
    assign(first, 't1', `echo one; while [ ! -e ${go} ]; do sleep 0.01; done; echo two`);
    await first.outputUntil('t1', 'one\n');
    first.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 4 } });
    first.end();

    const second = await h.coordinator.stream(1);
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
    const go = path.join(h.root, 'go');
    startSession();
    const first = await connected();
    assign(first, 't1', `echo one; while [ ! -e ${go} ]; do sleep 0.01; done; echo two`);
    await first.outputUntil('t1', 'one\n');
    first.end();

    const second = await h.coordinator.stream(1);
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

    const second = await h.coordinator.stream(1);
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
    const third = await h.coordinator.stream(2);
    expect((await third.take('hello')).running).toEqual([]);
  });

  it('answers a Kill for a task it does not hold with a canceled result', async () => {
    startSession();
    const stream = await connected();
    stream.send({ kill: { task_id: 'ghost', lease_id: 'lease-ghost', reason: 'user asked' } });
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({
      task_id: 'ghost',
      lease_id: 'lease-ghost',
      canceled: true,
      output_size: 0,
      client_error: '',
    });
    expect(finished.exit_code).toBeUndefined();
    expect(stream.all('task_started')).toEqual([]);
  });

  it('sends output again from the offset of an Ack that says bytes are missing (a gap)', async () => {
    const go = path.join(h.root, 'go');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `echo one; while [ ! -e ${go} ]; do sleep 0.01; done; echo two`);
    await stream.outputUntil('t1', 'one\n');
    // The coordinator lost the first piece: its answer is the size it has, 0.
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 0 } });
    await until('the piece sent again', () => stream.all('output').length === 2);
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 4 } });
    await writeFile(go, '');
    expect(await stream.take('task_finished')).toMatchObject({ exit_code: 0, output_size: 8 });
    await stream.outputUntil('t1', 'two\n');
    const pieces = stream.all('output').map((o) => [Number(o.offset), o.data.toString()]);
    expect(pieces).toEqual([
      [0, 'one\n'],
      [0, 'one\n'],
      [4, 'two\n'],
    ]);
  });

  it('kills and forgets a task whose lease is stale', async () => {
    const pidFile = path.join(h.root, 'pid');
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
    const stream = await h.coordinator.stream(0);
    await stream.take('hello');
    stream.fail(grpc.status.UNAUTHENTICATED, 'bad token');
    const end = await within('session end', h.session!.done);
    expect(end).toEqual({ kind: 'fatal', code: grpc.status.UNAUTHENTICATED, details: 'bad token' });
    expect(h.coordinator.streams).toHaveLength(1);
  });

  it('kills the running task before stopping on a fatal status', async () => {
    const pidFile = path.join(h.root, 'pid');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `echo $$ > ${pidFile}; echo ready; sleep 1000`);
    await stream.outputUntil('t1', 'ready');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    stream.fail(grpc.status.PERMISSION_DENIED, 'revoked');
    expect(await within('session end', h.session!.done)).toMatchObject({
      kind: 'fatal',
      code: grpc.status.PERMISSION_DENIED,
    });
    expect(isProcessRunning(pid)).toBe(false);
  });

  it('reconnects with backoff after UNAVAILABLE', async () => {
    let refused = 0;
    h.coordinator.close();
    h.coordinator = await TestCoordinator.start((s) => {
      if (refused < 2) {
        refused += 1;
        s.fail(grpc.status.UNAVAILABLE, 'not now');
      }
    });
    startSession();
    const third = await h.coordinator.stream(2);
    await third.take('hello');
    third.welcome();
    await until('connected', () => h.session?.state.kind === 'connected');
  });

  it('while it holds a task, keeps reconnect delays within the holding cap', async () => {
    const { log, lines } = capturingLogger();
    let streams = 0;
    h.coordinator.close();
    h.coordinator = await TestCoordinator.start((s) => {
      streams += 1;
      if (streams > 1) s.fail(grpc.status.UNAVAILABLE, 'not now');
    });
    startSession({
      log,
      random: () => 0.999999,
      backoff: { initialMs: 20, maxMs: 60_000, holdingMaxMs: 40 },
    });
    const first = await connected();
    assign(first, 't1', 'echo ready; sleep 1000');
    await first.outputUntil('t1', 'ready');
    first.end();
    // Uncapped, attempts 2 to 5 would wait 80, 160, 320 and 640 ms.
    await h.coordinator.stream(6);
    const delays = lines
      .filter((l) => l.msg === 'session state changed' && l.to === 'backoff')
      .map((l) => l.delayMs);
    expect(delays.length).toBeGreaterThanOrEqual(5);
    for (const d of delays) expect(d).toBeLessThanOrEqual(40);
  });

  it('on Terminate finishes the running task, delivers its result, then stops', async () => {
    const go = path.join(h.root, 'go');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `while [ ! -e ${go} ]; do sleep 0.01; done; echo done`);
    await stream.take('task_started');
    stream.send({ terminate: { reason: 'admin' } });
    await until('stopping heartbeat', () =>
      stream
        .all('heartbeat')
        .some((h) => h.state?.quarantined_reason === STOP_REASON_TEXT.terminate),
    );
    expect(h.session?.state).toEqual({ kind: 'stopping', reason: 'terminate' });
    await writeFile(go, '');
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({ task_id: 't1', exit_code: 0 });
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 5, finished: true } });
    expect(await within('session end', h.session!.done)).toEqual({
      kind: 'stopped',
      reason: 'terminate',
    });
    await within('stream end', stream.ended);
    expect(stream.all('task_started').map((s) => s.task_id)).toEqual(['t1']);
  });

  it('stop() with killRunning runs the dance on the running task', async () => {
    const mark = path.join(h.root, 'cleaned');
    startSession();
    const stream = await connected();
    assign(stream, 't1', `trap 'echo bye > ${mark}; exit 7' TERM; echo ready; sleep 1000 & wait`);
    await stream.outputUntil('t1', 'ready');
    h.session!.stop({ reason: 'signal' });
    h.session!.stop({ reason: 'signal', killRunning: true });
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({ killed: true, exit_code: 7 });
    expect(existsSync(mark)).toBe(true);
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 6, finished: true } });
    expect(await within('session end', h.session!.done)).toEqual({
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
    expect(await within('session end', h.session!.done)).toEqual({
      kind: 'stopped',
      reason: 'once',
    });
  });
});
