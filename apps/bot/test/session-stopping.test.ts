import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STOP_REASON_TEXT } from '../src/index';
import type { BotMessageOut } from '@drover/protocol';
import { until, within } from './helpers';
import { assign, capturingLogger, joined, useSessionHarness } from './session-harness';

/**
 * Stopping: the bot says at once that it takes no more tasks (a heartbeat ahead of any later
 * result), and still runs an Assign the coordinator sent before it read that heartbeat.
 */

const h = useSessionHarness();

/** Index of the first message at or after `from` matching `match`; -1 if none. */
function indexOf(
  received: readonly BotMessageOut[],
  match: (m: BotMessageOut) => boolean,
  from = 0,
): number {
  const i = received.slice(from).findIndex(match);
  return i < 0 ? -1 : from + i;
}

describe('session stopping', () => {
  it('with once, says it takes no more tasks right after the Assign; an Assign that crossed that is run and reported', async () => {
    const go = path.join(h.root, 'go');
    const { log, lines } = capturingLogger();
    h.startSession({ once: true, log, heartbeatIntervalMs: 60_000 });
    const stream = await h.connected();
    assign(stream, 't1', `while [ ! -e ${go} ]; do sleep 0.01; done; echo one`);
    // Sent before the coordinator could read the bot's answer to the first.
    assign(stream, 't2', 'echo two');

    expect(await stream.take('task_finished')).toMatchObject({ task_id: 't2', exit_code: 0 });
    const received = stream.received;
    const started = indexOf(received, (m) => m.task_started?.task_id === 't1');
    const heartbeat = indexOf(received, (m) => m.msg === 'heartbeat', started);
    expect(started).toBeGreaterThanOrEqual(0);
    expect(received[heartbeat]?.heartbeat?.state).toMatchObject({
      quarantined_reason: '--once: one task only',
      running_task_id: 't1',
    });
    expect(heartbeat).toBeLessThan(indexOf(received, (m) => m.msg === 'task_finished'));
    expect(h.session?.state).toEqual({ kind: 'stopping', reason: 'once' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        taskId: 't2',
        msg: 'assignment arrived while stopping; running it',
      }),
    );

    stream.send({ ack: { task_id: 't2', lease_id: 'lease-t2', output_offset: 4, finished: true } });
    await writeFile(go, '');
    expect(await stream.take('task_finished')).toMatchObject({ task_id: 't1', exit_code: 0 });
    stream.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 4, finished: true } });
    expect(await within('session end', h.session!.done)).toEqual({
      kind: 'stopped',
      reason: 'once',
    });
    expect(stream.all('task_started').map((s) => s.task_id)).toEqual(['t1', 't2']);
  });

  it('stopping while idle: an Assign sent before the coordinator read the stopping heartbeat is run and reported on a new stream', async () => {
    h.startSession({ heartbeatIntervalMs: 60_000 });
    const first = await h.connected();
    await until('connected', () => h.session?.state.kind === 'connected');
    h.session!.stop({ reason: 'signal' });
    // The coordinator offered a task before it read the heartbeat the bot just wrote.
    assign(first, 't1', 'echo late');

    const heartbeat = await first.take('heartbeat');
    expect(heartbeat.state?.quarantined_reason).toBe(STOP_REASON_TEXT.signal);
    await within('the first stream ends', first.ended);
    expect(first.all('task_started')).toEqual([]);

    const second = await h.coordinator.stream(1);
    const hello = await second.take('hello');
    expect(hello.state?.quarantined_reason).toBe(STOP_REASON_TEXT.signal);
    expect(hello.running.map((r) => r.task_id)).toEqual(['t1']);
    second.welcome();
    expect(await second.take('task_started')).toEqual({ task_id: 't1', lease_id: 'lease-t1' });
    expect(await second.take('task_finished')).toMatchObject({ task_id: 't1', exit_code: 0 });
    expect(joined(await second.outputUntil('t1', 'late\n'))).toBe('late\n');
    const kinds = second.received.map((m) => m.msg);
    expect(kinds.indexOf('heartbeat')).toBeLessThan(kinds.indexOf('task_finished'));
    second.send({ ack: { task_id: 't1', lease_id: 'lease-t1', output_offset: 5, finished: true } });
    expect(await within('session end', h.session!.done)).toEqual({
      kind: 'stopped',
      reason: 'signal',
    });
  });

  it('stopping while idle with nothing offered ends the stream and stops', async () => {
    h.startSession({ heartbeatIntervalMs: 60_000 });
    const stream = await h.connected();
    await until('connected', () => h.session?.state.kind === 'connected');
    h.session!.stop({ reason: 'signal' });
    expect(await within('session end', h.session!.done)).toEqual({
      kind: 'stopped',
      reason: 'signal',
    });
    await within('stream end', stream.ended);
    expect(stream.all('heartbeat').map((b) => b.state?.quarantined_reason)).toEqual([
      STOP_REASON_TEXT.signal,
    ]);
    expect(h.coordinator.streams).toHaveLength(1);
  });
});
