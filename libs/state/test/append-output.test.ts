// appendOutput's decision both stores make (store/append-output.ts), over every case of what is
// stored and what arrives.
import { describe, expect, it } from 'vitest';
import { planAppend, type OutputHolderRow } from '../src/store/append-output';

const RUNNING: OutputHolderRow = { state: 'RUNNING', lease_id: 'lease-1', output_size: 5 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const chunk = (offset: number, text: string, leaseId = 'lease-1') => ({
  leaseId,
  offset,
  data: bytes(text),
});

describe('planAppend', () => {
  it('refuses an unknown task with size 0', () => {
    expect(planAppend(undefined, chunk(0, 'x'))).toEqual({
      write: false,
      outcome: { kind: 'refused', reason: 'unknown-task', size: 0 },
    });
  });

  for (const [why, stored, leaseId] of [
    ['another lease', RUNNING, 'lease-0'],
    ['a task that is not RUNNING', { ...RUNNING, state: 'COMPLETED' }, 'lease-1'],
  ] as const) {
    it(`refuses ${why} as a stale lease, with the stored size`, () => {
      expect(planAppend(stored, chunk(5, 'x', leaseId))).toEqual({
        write: false,
        outcome: { kind: 'refused', reason: 'stale-lease', size: 5 },
      });
    });
  }

  it('refuses a chunk starting past the end as a gap', () => {
    expect(planAppend(RUNNING, chunk(6, 'x')).outcome).toEqual({
      kind: 'refused',
      reason: 'gap',
      size: 5,
    });
  });

  it('reports a resend of stored bytes (or nothing) as a duplicate', () => {
    for (const c of [chunk(0, 'hello'), chunk(2, 'llo'), chunk(5, '')]) {
      expect(planAppend(RUNNING, c)).toEqual({
        write: false,
        outcome: { kind: 'duplicate', size: 5 },
      });
    }
  });

  it('writes a chunk at the end as it is', () => {
    const plan = planAppend(RUNNING, chunk(5, ' world'));
    expect(plan).toMatchObject({ write: true, at: 5, outcome: { kind: 'appended', size: 11 } });
    if (plan.write) expect(Buffer.from(plan.bytes).toString()).toBe(' world');
  });

  it('writes only the new tail of an overlapping chunk, keeping the stored bytes', () => {
    const plan = planAppend(RUNNING, chunk(3, 'XY world'));
    expect(plan).toMatchObject({ write: true, at: 5, outcome: { kind: 'appended', size: 11 } });
    if (plan.write) expect(Buffer.from(plan.bytes).toString()).toBe(' world');
  });

  it('writes the bytes of a view, not of its whole buffer', () => {
    const backing = bytes('XXXXhello worldYYYY');
    const plan = planAppend(RUNNING, {
      leaseId: 'lease-1',
      offset: 0,
      data: backing.subarray(4, 15),
    });
    if (!plan.write) throw new Error('expected a write');
    expect(Buffer.from(plan.bytes).toString()).toBe(' world');
  });
});
