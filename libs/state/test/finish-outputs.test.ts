import { describe, expect, it } from 'vitest';
import { transition, type Task, type TaskEvent, type TaskOutputs } from '../src/index';
import { T0, pendingTask, slice, spec } from './fixtures';

/** The finish event records a task's output files with its final state, in the same write. */

const OUTPUTS: TaskOutputs = {
  files: [{ path: 'out/report.txt', size: 7, digest: 'a'.repeat(64) }],
  truncated: false,
};

const running: Task = {
  ...pendingTask(spec([slice(60)])),
  state: 'RUNNING',
  botId: 'bot-1',
  leaseId: 'lease-1',
  startedAtMs: T0,
};

function finish(over: Partial<Extract<TaskEvent, { type: 'finish' }>>) {
  return transition(
    running,
    {
      type: 'finish',
      leaseId: 'lease-1',
      exitCode: 0,
      durationSecs: 1,
      timedOut: 'none',
      killed: false,
      canceled: false,
      clientError: '',
      outputs: OUTPUTS,
      ...over,
    },
    T0 + 1000,
  );
}

describe('finish with outputs', () => {
  it.each([
    ['COMPLETED', {}],
    ['TIMED_OUT', { timedOut: 'hard' as const }],
    ['KILLED', { killed: true }],
  ])('records them on a %s task', (state, over) => {
    const outcome = finish(over);
    if ('refused' in outcome) throw new Error(outcome.refused);
    expect(outcome.task.state).toBe(state);
    expect(outcome.task.outputs).toEqual(OUTPUTS);
  });

  it.each([
    ['CANCELED', { canceled: true, killed: true, exitCode: null }],
    ['CLIENT_ERROR', { clientError: 'bad relative_cwd' }],
  ])('records none on a %s task (no process ran)', (state, over) => {
    const outcome = finish(over);
    if ('refused' in outcome) throw new Error(outcome.refused);
    expect(outcome.task.state).toBe(state);
    expect(outcome.task.outputs).toBeUndefined();
  });

  it('adds the note on incomplete outputs to the summary', () => {
    const note = 'outputs truncated: 2 GiB in 3 file(s) is over the limit of 1 GiB';
    const done = finish({ outputs: { files: [], truncated: true }, outputsNote: note });
    if ('refused' in done) throw new Error(done.refused);
    expect(done.task.summary).toBe(note);
    const timedOut = finish({
      timedOut: 'io',
      outputs: { files: [], truncated: true },
      outputsNote: note,
    });
    if ('refused' in timedOut) throw new Error(timedOut.refused);
    expect(timedOut.task.summary).toMatch(/^no output for \d+s; outputs truncated/);
  });

  it('records nothing under a stale lease', () => {
    expect(finish({ leaseId: 'other' })).toEqual({ refused: 'stale-lease' });
  });
});
