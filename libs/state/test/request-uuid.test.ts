// The request_uuid decision both stores make (store/request-uuid.ts): what to look up, and which
// task a uuid names once the lookup answered, across the tasks of one batch.
import { describe, expect, it } from 'vitest';
import { SEVEN_DAYS_MS } from '../src/index';
import { RequestUuidBatch } from '../src/store/request-uuid';
import { T0, pendingTask, slice, spec } from './fixtures';

const withUuid = (id: string, uuid: string, createdAtMs = T0, authenticated = 'alice') =>
  pendingTask(spec([slice(60)], { requestUuid: uuid, authenticated }), { id, createdAtMs });

describe('RequestUuidBatch', () => {
  it('inserts a task without a request_uuid and looks nothing up', () => {
    const batch = new RequestUuidBatch();
    const t = withUuid('t-1', '');
    expect(batch.lookup(t)).toBeUndefined();
    expect(batch.decide(t, undefined)).toEqual({ inserted: true });
  });

  it("looks up the caller's uuid over the 7 days before the task", () => {
    const t = withUuid('t-1', 'u-1', T0 + SEVEN_DAYS_MS);
    expect(new RequestUuidBatch().lookup(t)).toEqual({
      authenticated: 'alice',
      requestUuid: 'u-1',
      sinceMs: T0,
    });
  });

  it('returns the stored task the lookup found instead of inserting', () => {
    const stored = withUuid('stored', 'u-1');
    const again = withUuid('again', 'u-1', T0 + 5);
    expect(new RequestUuidBatch().decide(again, stored)).toEqual({
      inserted: false,
      existing: stored,
    });
  });

  it('gives a uuid used twice in a batch the first task, without a second lookup', () => {
    const batch = new RequestUuidBatch();
    const first = withUuid('first', 'u-1');
    const second = withUuid('second', 'u-1');
    expect(batch.decide(first, undefined)).toEqual({ inserted: true });
    expect(batch.lookup(second)).toBeUndefined();
    expect(batch.decide(second, undefined)).toEqual({ inserted: false, existing: first });
  });

  it('gives every later use of a stored uuid in the batch that stored task', () => {
    const batch = new RequestUuidBatch();
    const stored = withUuid('stored', 'u-1', T0 - 10);
    expect(batch.decide(withUuid('a', 'u-1'), stored)).toEqual({
      inserted: false,
      existing: stored,
    });
    expect(batch.decide(withUuid('b', 'u-1'), undefined)).toEqual({
      inserted: false,
      existing: stored,
    });
  });

  it('keeps the uuids of different callers apart', () => {
    const batch = new RequestUuidBatch();
    const alice = withUuid('a', 'u-1');
    const bob = withUuid('b', 'u-1', T0, 'bob');
    expect(batch.decide(alice, undefined)).toEqual({ inserted: true });
    expect(batch.lookup(bob)).toBeDefined();
    expect(batch.decide(bob, undefined)).toEqual({ inserted: true });
  });

  it('looks up again when the batch task it knows is older than 7 days before this one', () => {
    const batch = new RequestUuidBatch();
    batch.decide(withUuid('old', 'u-1', T0), undefined);
    const late = withUuid('late', 'u-1', T0 + SEVEN_DAYS_MS + 1);
    expect(batch.lookup(late)).toBeDefined();
    expect(batch.decide(late, undefined)).toEqual({ inserted: true });
  });
});
