import { describe, expect, it } from 'vitest';
import { backoffDelayMs, OutputOutbox } from '../src/index';

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
});

describe('backoffDelayMs', () => {
  it.each([
    [0, 0, 125],
    [0, 0.999999, 250],
    [1, 0, 250],
    [3, 0.5, 1500],
    [20, 0, 30_000],
    [20, 0.999999, 60_000],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, () => random)).toBe(expected);
  });
});
