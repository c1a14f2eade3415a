// Submit (DESIGN.md §2): the first slice with capacity or wait_for_capacity makes the task
// PENDING there; no such slice → NO_RESOURCE at once, never PENDING.
import { describe, expect, it } from 'vitest';
import { createTask, sliceDeadlineAtMs, type TaskSpec } from '../src/index';
import { T0, deepFreeze, pendingTask, slice, spec } from './fixtures';

/** Slices of 60 s, 120 s and 300 s: cumulative deadlines at T0 + 60, 180 and 480 s. */
const THREE = spec([
  slice(60, false, [
    { key: 'pool', value: 'ci' },
    { key: 'os', value: 'Linux' },
  ]),
  slice(120, false, [
    { key: 'pool', value: 'ci' },
    { key: 'os', value: 'Mac|Windows' },
  ]),
  slice(300, false, [{ key: 'pool', value: 'ci' }]),
]);
const DEADLINES = [T0 + 60_000, T0 + 180_000, T0 + 480_000] as const;

function create(taskSpec: TaskSpec, capacity: readonly boolean[]) {
  return createTask(deepFreeze({ id: 'task-7', spec: taskSpec, nowMs: T0, capacity }));
}

describe('createTask', () => {
  it('stores NO_RESOURCE at once when no slice has capacity or waits for it', () => {
    const { task, effects } = create(THREE, [false, false, false]);
    expect(task).toEqual(
      pendingTask(THREE, {
        id: 'task-7',
        state: 'NO_RESOURCE',
        abandonedAtMs: T0,
        summary: expect.any(String) as string,
      }),
    );
    expect(effects).toEqual([{ type: 'notify' }]);
  });

  it('names the dimensions nobody serves in the NO_RESOURCE summary', () => {
    const { task } = create(THREE, [false, false, false]);
    expect(task.summary).toContain('os=Linux');
    expect(task.summary).toContain('os=Mac|Windows');
  });

  it('treats a missing capacity entry as no capacity', () => {
    expect(create(THREE, []).task.state).toBe('NO_RESOURCE');
    expect(create(THREE, [false]).task.state).toBe('NO_RESOURCE');
  });

  it.each([
    { capacity: [true, false, false], slice: 0 },
    { capacity: [true, true, true], slice: 0 },
    { capacity: [false, true, false], slice: 1 },
    { capacity: [false, true, true], slice: 1 },
    { capacity: [false, false, true], slice: 2 },
  ])(
    'is PENDING in slice $slice, the first with capacity, given $capacity',
    ({ capacity, slice }) => {
      const { task, effects } = create(THREE, capacity);
      expect(task).toEqual(pendingTask(THREE, { id: 'task-7', currentSlice: slice }));
      expect(effects).toEqual([
        { type: 'enqueue', slice },
        { type: 'schedule-expiry', atMs: DEADLINES[slice] },
        { type: 'notify' },
      ]);
    },
  );

  it('is PENDING in a slice that waits for capacity even when no bot could run it', () => {
    const waiting = spec([slice(60), slice(120, true), slice(300)]);
    const { task, effects } = create(waiting, [false, false, false]);
    expect(task.state).toBe('PENDING');
    expect(task.currentSlice).toBe(1);
    expect(task.abandonedAtMs).toBeNull();
    expect(effects).toContainEqual({ type: 'schedule-expiry', atMs: DEADLINES[1] });
  });

  it('prefers an earlier slice with capacity over a later one that waits', () => {
    const waiting = spec([slice(60), slice(120), slice(300, true)]);
    expect(create(waiting, [false, true, false]).task.currentSlice).toBe(1);
  });

  it('is PENDING in slice 0 when slice 0 waits for capacity', () => {
    const waiting = spec([slice(60, true), slice(120)]);
    const { task, effects } = create(waiting, [false, true]);
    expect(task.currentSlice).toBe(0);
    expect(effects).toContainEqual({ type: 'schedule-expiry', atMs: T0 + 60_000 });
  });

  it('starts a fresh task with no bot, lease, result or output', () => {
    const { task } = create(THREE, [true]);
    expect(task).toMatchObject({
      state: 'PENDING',
      createdAtMs: T0,
      modifiedAtMs: T0,
      startedAtMs: null,
      completedAtMs: null,
      abandonedAtMs: null,
      killRequestedAtMs: null,
      processStarted: false,
      botId: null,
      botDimensions: [],
      leaseId: null,
      exitCode: null,
      durationSecs: null,
      failure: false,
      internalFailure: false,
      dedupedFrom: null,
      outputSize: 0,
    });
    expect(task.spec).toBe(THREE);
  });
});

describe('sliceDeadlineAtMs', () => {
  it.each([
    { index: 0, atMs: T0 + 60_000 },
    { index: 1, atMs: T0 + 180_000 },
    { index: 2, atMs: T0 + 480_000 },
  ])('puts slice $index at created + Σ expiration of slices 0..$index', ({ index, atMs }) => {
    expect(sliceDeadlineAtMs(THREE, T0, index)).toBe(atMs);
  });

  it('counts from the creation time, not from the previous deadline being reached', () => {
    expect(sliceDeadlineAtMs(THREE, T0 + 5_000, 1)).toBe(T0 + 5_000 + 180_000);
  });
});
