import { describe, expect, it } from 'vitest';
import { coordinatorTruncationMarker, planOutput } from '../src/botapi/output-cap';

const bytes = (n: number) => new Uint8Array(n);

describe('planOutput', () => {
  it.each([
    { offset: 0, length: 10, cap: 100, kind: 'store' },
    { offset: 90, length: 10, cap: 100, kind: 'store' },
    { offset: 95, length: 10, cap: 100, kind: 'store-head', head: 5, end: 105 },
    { offset: 0, length: 1000, cap: 100, kind: 'store-head', head: 100, end: 1000 },
    { offset: 100, length: 10, cap: 100, kind: 'drop', end: 110 },
    { offset: 500, length: 10, cap: 100, kind: 'drop', end: 510 },
  ])('$offset+$length against a cap of $cap: $kind', ({ offset, length, cap, kind, head, end }) => {
    const plan = planOutput(offset, bytes(length), cap);
    expect(plan.kind).toBe(kind);
    if (plan.kind === 'store-head') {
      expect(plan.head.byteLength).toBe(head);
      expect(plan.end).toBe(end);
    }
    if (plan.kind === 'drop') expect(plan.end).toBe(end);
  });

  it('writes the same marker line every time (a resend finds it stored)', () => {
    const marker = coordinatorTruncationMarker(1024);
    expect(marker.equals(coordinatorTruncationMarker(1024))).toBe(true);
    expect(marker.toString()).toMatch(/^\n\[drover: output truncated: .*\]\n$/);
  });
});
