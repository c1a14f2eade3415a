import { loadDroverProto, validateNewTask } from '@drover/protocol';
import { createTask, transition, type Task, type TaskEvent } from '@drover/state';
import { describe, expect, it } from 'vitest';
import { Watchers } from '../../src/engine/watchers';
import { taskStates } from '../../src/watch/task-states';

// What WaitTask streams for one task, with the real state machine making each committed task
// and the engine's real Watchers handing them over: the task now, then one per change of state.

const newTask = loadDroverProto().drover.v1.Tasks.service.NewTask;
/** A request as the coordinator decodes it (every default filled in), then validated. */
const spec = validateNewTask(
  newTask.requestDeserialize(
    newTask.requestSerialize({
      task_slices: [
        { properties: { command: ['true'], dimensions: [{ key: 'pool', value: 'p' }] } },
      ],
    }),
  ),
  'ann',
);
const LEASE = 'lease-1';
const dispatch: TaskEvent = {
  type: 'dispatch',
  botId: 'b1',
  botDimensions: [{ key: 'pool', values: ['p'] }],
  leaseId: LEASE,
};
const started: TaskEvent = { type: 'process-started', leaseId: LEASE };
const killAsked: TaskEvent = { type: 'cancel', killRunning: true };
const finished: TaskEvent = {
  type: 'finish',
  leaseId: LEASE,
  exitCode: 0,
  durationSecs: 1,
  timedOut: 'none',
  killed: false,
  canceled: false,
  clientError: '',
};

/** The task as the store holds it, changed by committed events that watchers are told of. */
class Committed {
  readonly watchers = new Watchers<Task>();
  task: Task = createTask({ id: 't1', spec, nowMs: 0, capacity: [true] }).task;

  apply(event: TaskEvent): void {
    const outcome = transition(this.task, event, 1);
    if ('refused' in outcome) throw new Error(`refused: ${outcome.refused}`);
    this.task = outcome.task;
    this.watchers.notify(this.task.id, this.task);
  }

  getTask = (id: string): Promise<Task | undefined> =>
    Promise.resolve(id === this.task.id ? this.task : undefined);
}

describe('taskStates', () => {
  it('tells PENDING, RUNNING, COMPLETED once each, not the process starting or a kill asked', async () => {
    const c = new Committed();
    const seen: string[] = [];
    for await (const task of taskStates(c, 't1', new AbortController().signal)) {
      seen.push(task.state);
      if (task.state === 'PENDING') {
        c.apply(dispatch);
        c.apply(started);
        c.apply(killAsked);
        c.apply(finished);
      }
    }
    expect(seen).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(c.watchers.size).toBe(0);
  });

  it('tells a state the task left while the reader was away', async () => {
    const c = new Committed();
    const states = taskStates(c, 't1', new AbortController().signal);
    expect((await states.next()).value?.state).toBe('PENDING');
    c.apply(dispatch);
    c.apply(finished);
    expect((await states.next()).value?.state).toBe('RUNNING');
    expect((await states.next()).value?.state).toBe('COMPLETED');
    expect((await states.next()).done).toBe(true);
  });

  it('skips a change older than the first read, and ends at once for no such task', async () => {
    const c = new Committed();
    c.apply(dispatch);
    const states = taskStates(c, 't1', new AbortController().signal);
    const first = states.next();
    // Told of again after the first read was made: not news.
    c.watchers.notify('t1', c.task);
    expect((await first).value?.state).toBe('RUNNING');
    c.apply(finished);
    expect((await states.next()).value?.state).toBe('COMPLETED');
    const none = taskStates(c, 'nope', new AbortController().signal);
    expect((await none.next()).done).toBe(true);
  });

  it('ends when the signal aborts, leaving no watcher behind', async () => {
    const c = new Committed();
    const abort = new AbortController();
    const states = taskStates(c, 't1', abort.signal);
    expect((await states.next()).value?.state).toBe('PENDING');
    const next = states.next();
    abort.abort();
    expect((await next).done).toBe(true);
    expect(c.watchers.size).toBe(0);
  });
});
