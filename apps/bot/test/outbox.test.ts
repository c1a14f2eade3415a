import { describe, expect, it } from 'vitest';
import { backoffDelayMs, channelBackoffOptions, DEFAULT_BACKOFF, OutputOutbox } from '../src/index';

const text = (pieces: { offset: number; data: Buffer }[]) =>
  pieces.map((p) => [p.offset, p.data.toString()]);

describe('OutputOutbox', () => {
  it('sends each byte once per stream, in pieces no larger than asked', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('hello'));
    box.append(Buffer.from('world!'));
    expect(box.unsent).toBe(11);
    expect(text(box.takeUnsent(4))).toEqual([
      [0, 'hell'],
      [4, 'owor'],
      [8, 'ld!'],
    ]);
    expect(box.takeUnsent(4)).toEqual([]);
    box.append(Buffer.from('x'));
    expect(text(box.takeUnsent(4))).toEqual([[11, 'x']]);
  });

  it('rewinds to the acknowledged offset for a new stream', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('abcdef'));
    box.takeUnsent(64);
    box.ack(2);
    box.rewind();
    expect(text(box.takeUnsent(64))).toEqual([[2, 'cdef']]);
    expect(box.keptFrom).toBe(2);
    expect(box.produced).toBe(6);
  });

  it('clamps an ack past what was produced and ignores one that goes backwards', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('abc'));
    box.ack(10);
    expect(box.keptFrom).toBe(3);
    box.ack(1);
    expect(box.keptFrom).toBe(3);
    box.rewind();
    expect(box.takeUnsent(64)).toEqual([]);
  });

  it('an ack of unsent bytes means they need not be sent', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('abcdef'));
    box.ack(4);
    expect(text(box.takeUnsent(64))).toEqual([[4, 'ef']]);
  });

  it('takes answers that lag behind what was sent as progress, not as gaps', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('abc'));
    box.takeUnsent(64);
    box.append(Buffer.from('def'));
    box.takeUnsent(64);
    expect(box.ack(3)).toBe('stored');
    expect(box.takeUnsent(64)).toEqual([]);
    expect(box.ack(6)).toBe('stored');
    expect(box.keptFrom).toBe(6);
  });

  it('a resend answered with more than it carried (duplicates) is no gap', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('abcdef'));
    box.takeUnsent(3);
    box.rewind(); // a new stream; the coordinator had stored all six bytes already
    expect(text(box.takeUnsent(3))).toEqual([
      [0, 'abc'],
      [3, 'def'],
    ]);
    expect(box.ack(6)).toBe('stored');
    expect(box.ack(6)).toBe('stored');
    expect(box.takeUnsent(64)).toEqual([]);
  });

  it('on a gap answer sends again from its offset, once for all the pieces then in flight', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('abc'));
    box.takeUnsent(64);
    box.append(Buffer.from('def'));
    box.takeUnsent(64);
    box.append(Buffer.from('gh'));
    // The coordinator lost [0, 3): it answers 0 to each piece it refuses.
    expect(box.ack(0)).toBe('gap');
    expect(text(box.takeUnsent(64))).toEqual([[0, 'abcdefgh']]);
    expect(box.ack(0)).toBe('stored'); // the answer to 'def', sent before the rewind
    expect(box.takeUnsent(64)).toEqual([]);
    expect(box.ack(8)).toBe('stored'); // the answer to the resend
    expect(box.keptFrom).toBe(8);
  });

  it('a gap below an earlier acknowledgement resends from what is still kept', () => {
    const box = new OutputOutbox();
    box.append(Buffer.from('abcdef'));
    box.takeUnsent(3);
    expect(box.ack(3)).toBe('stored');
    expect(box.ack(1)).toBe('gap');
    expect(text(box.takeUnsent(64))).toEqual([[3, 'def']]);
  });
});

describe('backoffDelayMs', () => {
  it.each([
    [0, false, 0, 125],
    [0, false, 0.999999, 250],
    [1, false, 0, 250],
    [3, false, 0.5, 1500],
    [20, false, 0, 30_000],
    [20, false, 0.999999, 60_000],
    [0, true, 0.999999, 250],
    [3, true, 0.5, 1500],
    [4, true, 0.999999, 4000],
    [5, true, 0, 2500],
    [5, true, 0.999999, 5000],
    [20, true, 0.999999, 5000],
  ])(
    'attempt %i, holding a task: %s, random %f: waits %i ms',
    (attempt, holdingTask, random, expected) => {
      expect(backoffDelayMs({ attempt, holdingTask, random: () => random })).toBe(expected);
    },
  );

  it('never exceeds the cap of the moment, whatever the attempt', () => {
    for (let attempt = 0; attempt < 64; attempt++) {
      const input = { attempt, random: () => 0.999999 };
      expect(backoffDelayMs({ ...input, holdingTask: true })).toBeLessThanOrEqual(5_000);
      expect(backoffDelayMs({ ...input, holdingTask: false })).toBeLessThanOrEqual(60_000);
    }
  });
});

describe('channelBackoffOptions', () => {
  it("keeps grpc-js's reconnect delay, jitter included, within the holding cap", () => {
    const options = channelBackoffOptions(DEFAULT_BACKOFF);
    const maxMs = options['grpc.max_reconnect_backoff_ms'] as number;
    expect(maxMs * 1.2).toBeLessThanOrEqual(DEFAULT_BACKOFF.holdingMaxMs);
    expect(options['grpc.initial_reconnect_backoff_ms']).toBe(250);
    const tight = channelBackoffOptions({ initialMs: 500, maxMs: 60_000, holdingMaxMs: 300 });
    expect(tight['grpc.initial_reconnect_backoff_ms']).toBe(250);
    expect(tight['grpc.max_reconnect_backoff_ms']).toBe(250);
  });
});
