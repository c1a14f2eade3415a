import { describe, expect, it } from 'vitest';
import { taskFinishedToWire } from '../src/wire';

/** A RunResult as the coordinator reads it: the memory limit's kill is said only when it happened. */
describe('TaskFinished from a run result', () => {
  const base = {
    exitCode: -9,
    durationSecs: 1.5,
    timedOut: 'none' as const,
    killed: false,
    canceled: false,
    outputSize: 12,
  };

  it('says the memory limit killed the task when the cgroup counted an oom_kill', () => {
    expect(taskFinishedToWire('t', 'l', { ...base, memoryLimitKilled: true })).toMatchObject({
      task_id: 't',
      lease_id: 'l',
      exit_code: -9,
      memory_limit_killed: true,
    });
  });

  it('says nothing of it otherwise', () => {
    expect(taskFinishedToWire('t', 'l', base).memory_limit_killed).toBeUndefined();
  });
});
