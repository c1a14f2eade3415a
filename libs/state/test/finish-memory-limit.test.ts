import { describe, expect, it } from 'vitest';
import { propertiesHash, transition, type Task, type TaskEvent } from '../src/index';
import { T0, pendingTask, properties, slice, spec } from './fixtures';

/**
 * A bot reports that the kernel's OOM killer killed a process of the task under its memory limit
 * (TaskFinished.memory_limit_killed): the summary says so, the state is what the exit made it.
 */

const LIMIT = 512 * 1024 * 1024;

function runningTask(memoryLimitBytes: number | undefined): Task {
  const base = slice(60);
  const limited = {
    ...base,
    properties: {
      ...base.properties,
      ...(memoryLimitBytes === undefined ? {} : { memoryLimitBytes }),
    },
  };
  return {
    ...pendingTask(spec([limited])),
    state: 'RUNNING',
    botId: 'bot-1',
    leaseId: 'lease-1',
    startedAtMs: T0,
  };
}

function finish(task: Task, over: Partial<Extract<TaskEvent, { type: 'finish' }>>): Task {
  const outcome = transition(
    task,
    {
      type: 'finish',
      leaseId: 'lease-1',
      exitCode: -9,
      durationSecs: 1,
      timedOut: 'none',
      killed: false,
      canceled: false,
      clientError: '',
      ...over,
    },
    T0 + 1000,
  );
  if ('refused' in outcome) throw new Error(outcome.refused);
  return outcome.task;
}

describe('finish killed by the memory limit', () => {
  it('says so in the summary of a COMPLETED task, which stays COMPLETED with failure', () => {
    const task = finish(runningTask(LIMIT), { memoryLimitKilled: true });
    expect(task).toMatchObject({
      state: 'COMPLETED',
      exitCode: -9,
      failure: true,
      summary: `killed by the memory limit (${LIMIT} bytes)`,
    });
  });

  it('says so even when the task exited 0 (the OOM killer took a child it did not need)', () => {
    const task = finish(runningTask(LIMIT), { exitCode: 0, memoryLimitKilled: true });
    expect(task).toMatchObject({
      state: 'COMPLETED',
      failure: false,
      summary: `killed by the memory limit (${LIMIT} bytes)`,
    });
  });

  it.each([
    ['TIMED_OUT', { timedOut: 'hard' as const }, 'ran longer than 3600s'],
    ['KILLED', { killed: true }, 'killed while running'],
  ])('adds it to the summary of a %s task, whose state it leaves', (state, over, summary) => {
    const task = finish(runningTask(LIMIT), { ...over, memoryLimitKilled: true });
    expect(task.state).toBe(state);
    expect(task.summary).toBe(`${summary}; killed by the memory limit (${LIMIT} bytes)`);
  });

  it('puts it before a note on the outputs', () => {
    const task = finish(runningTask(LIMIT), {
      memoryLimitKilled: true,
      outputs: { files: [], truncated: true },
      outputsNote: 'outputs over 1 MiB',
    });
    expect(task.summary).toBe(`killed by the memory limit (${LIMIT} bytes); outputs over 1 MiB`);
  });

  it('says it without a number when the slice had no limit', () => {
    const task = finish(runningTask(undefined), { memoryLimitKilled: true });
    expect(task.summary).toBe('killed by the memory limit');
  });

  it('says nothing when the bot did not report it', () => {
    expect(finish(runningTask(LIMIT), {}).summary).toBe('');
    expect(finish(runningTask(LIMIT), { memoryLimitKilled: false }).summary).toBe('');
  });

  it('says nothing on a CLIENT_ERROR task (no process ran)', () => {
    const task = finish(runningTask(LIMIT), {
      clientError: 'bad relative_cwd',
      memoryLimitKilled: true,
    });
    expect(task).toMatchObject({ state: 'CLIENT_ERROR', summary: 'bad relative_cwd' });
  });
});

describe('propertiesHash and the resource limits', () => {
  it('keeps the hash of properties without limits what it was', () => {
    // The hash of fixtures.properties() before the limits existed: dedup of stored tasks holds.
    expect(propertiesHash(properties())).toBe(
      '5e9a72e06122ee37022bfd1367e6d553473669371ebfbccdbf0dc705f30c84a5',
    );
  });

  it.each([
    ['memoryLimitBytes', { memoryLimitBytes: LIMIT }, { memoryLimitBytes: LIMIT * 2 }],
    ['pidsLimit', { pidsLimit: 100 }, { pidsLimit: 200 }],
    ['cpuWeight', { cpuWeight: 100 }, { cpuWeight: 200 }],
  ])('tells %s apart: none, one value and another are three hashes', (_name, one, other) => {
    const hashes = new Set([
      propertiesHash(properties()),
      propertiesHash(properties(one)),
      propertiesHash(properties(other)),
    ]);
    expect(hashes.size).toBe(3);
  });
});
