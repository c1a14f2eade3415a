import type { TaskEffect } from './events';
import { sliceDeadlineAtMs } from './slice-deadline';
import type { Task, TaskSpec } from './types';

export interface CreateTaskInput {
  readonly id: string;
  readonly spec: TaskSpec;
  readonly nowMs: number;
  /** capacity[i]: some known bot could run slice i now. */
  readonly capacity: readonly boolean[];
}

/**
 * Submit (DESIGN.md §2): the first slice that waits for capacity or has it makes the task
 * PENDING in that slice; none → NO_RESOURCE at once, never PENDING.
 */
export function createTask(input: CreateTaskInput): { task: Task; effects: TaskEffect[] } {
  const { id, spec, nowMs, capacity } = input;
  const base: Task = {
    id,
    spec,
    state: 'PENDING',
    currentSlice: 0,
    createdAtMs: nowMs,
    modifiedAtMs: nowMs,
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
    summary: '',
  };
  for (let i = 0; i < spec.slices.length; i++) {
    if (spec.slices[i]!.waitForCapacity || capacity[i] === true) {
      return {
        task: { ...base, currentSlice: i },
        effects: [
          { type: 'enqueue', slice: i },
          { type: 'schedule-expiry', atMs: sliceDeadlineAtMs(spec, nowMs, i) },
          { type: 'notify' },
        ],
      };
    }
  }
  const wanted = spec.slices
    .map((s) => s.properties.dimensions.map((d) => `${d.key}=${d.value}`).join(','))
    .join(' or ');
  return {
    task: {
      ...base,
      state: 'NO_RESOURCE',
      abandonedAtMs: nowMs,
      summary: `no bot could run this task: none matches ${wanted}`,
    },
    effects: [{ type: 'notify' }],
  };
}
