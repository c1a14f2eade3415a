// whyWaiting: the matching bots of each slice by state, the slice deadlines, the queue position.
import { loadDroverProto, validateNewTask } from '@drover/protocol';
import { createTask, type PendingSummary, type Task } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { whyWaiting, type WaitBot } from '../../src/dashboard/wait-reasons';

const newTask = loadDroverProto().drover.v1.Tasks.service.NewTask;

/** A task of two slices: pool ci with gpu=1 for 60 s, then any ci bot for 600 s. */
function task(id: string, nowMs: number): Task {
  const spec = validateNewTask(
    newTask.requestDeserialize(
      newTask.requestSerialize({
        task_slices: [
          {
            properties: {
              command: ['true'],
              dimensions: [
                { key: 'pool', value: 'ci' },
                { key: 'gpu', value: '1' },
              ],
            },
            expiration_secs: 60,
          },
          {
            properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'ci' }] },
            expiration_secs: 600,
          },
        ],
      }),
    ),
    'ann',
  );
  return createTask({ id, spec, nowMs, capacity: [true, true] }).task;
}

const bot = (id: string, pool: string, over: Partial<WaitBot> = {}, gpu = false): WaitBot => ({
  id,
  dimensions: [{ key: 'pool', values: [pool] }, ...(gpu ? [{ key: 'gpu', values: ['1'] }] : [])],
  connected: true,
  dead: false,
  quarantined: false,
  maintenance: false,
  busy: false,
  ...over,
});

const pend = (
  taskId: string,
  priority: number,
  createdAtMs: number,
  pool = 'ci',
): PendingSummary => ({
  taskId,
  priority,
  createdAtMs,
  dimensions: [],
  deadlineAtMs: 0,
  pool,
  terminate: false,
});

describe('whyWaiting', () => {
  it('counts the matching bots of each slice by state, with its deadline', () => {
    const t = task('t1', 1_000);
    const bots = [
      bot('gpu-busy', 'ci', { busy: true }, true),
      bot('gpu-quar', 'ci', { quarantined: true }, true),
      bot('ci-idle', 'ci'),
      bot('ci-maint', 'ci', { maintenance: true }),
      bot('ci-gone', 'ci', { connected: false }),
      bot('ci-dead', 'ci', { connected: false, dead: true, busy: true }),
      bot('other', 'web', {}, true),
    ];
    const why = whyWaiting(t, bots, []);
    expect(why.slices.map((s) => [s.current, s.deadlineMs, s.bots])).toEqual([
      [
        true,
        61_000,
        { total: 2, idle: 0, busy: 1, quarantined: 1, maintenance: 0, disconnected: 0, dead: 0 },
      ],
      [
        false,
        661_000,
        { total: 6, idle: 1, busy: 1, quarantined: 1, maintenance: 1, disconnected: 1, dead: 1 },
      ],
    ]);
    expect(why.position).toBe(0);
  });

  it("places the task in its pool's queue in dispatch order", () => {
    const t = task('t1', 5_000);
    const pending = [
      pend('older', 200, 1_000),
      pend('urgent', 10, 9_000),
      pend('t1', t.spec.priority, 5_000),
      pend('newer', 200, 9_000),
      pend('low', 250, 0),
      pend('elsewhere', 1, 0, 'web'),
    ];
    expect(t.spec.priority).toBe(200);
    const why = whyWaiting(t, [], pending);
    expect([why.position, why.queued]).toEqual([3, 5]);
  });
});
