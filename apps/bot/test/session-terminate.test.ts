import { describe, expect, it } from 'vitest';
import { STOP_REASON_TEXT } from '../src/index';
import { within } from './helpers';
import { useSessionHarness } from './session-harness';

describe('BotSession: the termination task (TerminateBot)', () => {
  const h = useSessionHarness();

  it('reports it started and COMPLETED exit 0 after the stopping heartbeat, then stops once acknowledged', async () => {
    h.startSession();
    const stream = await h.connected();
    stream.send({ terminate: { reason: 'retire', task_id: 'term-1', lease_id: 'lease-term' } });
    const started = await stream.take('task_started');
    expect(started).toEqual({ task_id: 'term-1', lease_id: 'lease-term' });
    const finished = await stream.take('task_finished');
    expect(finished).toMatchObject({
      task_id: 'term-1',
      lease_id: 'lease-term',
      exit_code: 0,
      killed: false,
      canceled: false,
    });
    expect(
      stream
        .all('heartbeat')
        .some((b) => b.state?.quarantined_reason === STOP_REASON_TEXT.terminate),
    ).toBe(true);
    expect(h.session?.state).toEqual({ kind: 'stopping', reason: 'terminate' });

    stream.send({ ack: { task_id: 'term-1', lease_id: 'lease-term', finished: true } });
    expect(await within('session end', h.session!.done)).toEqual({
      kind: 'stopped',
      reason: 'terminate',
    });
    await within('stream end', stream.ended);
  });

  it('reports the termination task again on a new stream when the first one drops before the ack', async () => {
    h.startSession();
    const first = await h.connected();
    first.send({ terminate: { reason: 'retire', task_id: 'term-1', lease_id: 'lease-term' } });
    await first.take('task_finished');
    first.end();
    const second = await h.coordinator.stream(1);
    const hello = await second.take('hello');
    expect(hello.running).toEqual([
      expect.objectContaining({ task_id: 'term-1', lease_id: 'lease-term', finished: true }),
    ]);
    second.welcome();
    expect(await second.take('task_finished')).toMatchObject({ task_id: 'term-1', exit_code: 0 });
    second.send({ ack: { task_id: 'term-1', lease_id: 'lease-term', finished: true } });
    expect(await within('session end', h.session!.done)).toEqual({
      kind: 'stopped',
      reason: 'terminate',
    });
  });
});
