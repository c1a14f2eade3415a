import type { TaskEffect } from './events';
import { sliceDeadlineAtMs } from './slice-deadline';
import type { Task, TaskSpec } from './types';

export interface CreateTaskInput {
  readonly id: string;
  readonly spec: TaskSpec;
  readonly nowMs: number;
  /** capacity[i]: some known bot could run slice i now. */
  readonly capacity: readonly boolean[];
  /**
   * dedupSources[i]: a COMPLETED, exit 0, non-deduped task younger than 7 days whose slice had
   * the same properties hash as idempotent slice i, if any.
   */
  readonly dedupSources?: readonly (Task | undefined)[];
}

/**
 * Submit (DESIGN.md §2): slices in order; an idempotent slice with a dedup source makes the task
 * COMPLETED at once (it never runs; never for a task with secret bytes); otherwise the first
 * slice that waits for capacity or has it makes the task PENDING in that slice; none →
 * NO_RESOURCE at once, never PENDING.
 */
export function createTask(input: CreateTaskInput): { task: Task; effects: TaskEffect[] } {
  const { id, spec, nowMs, capacity } = input;
  // A task with secret bytes runs whatever is stored: its secret may change the result.
  const dedupSources = spec.hasSecretBytes === true ? [] : (input.dedupSources ?? []);
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
    revision: 0,
  };
  for (let i = 0; i < spec.slices.length; i++) {
    const source = dedupSources[i];
    if (spec.slices[i]!.properties.idempotent && source !== undefined) {
      return {
        task: {
          ...base,
          state: 'COMPLETED',
          currentSlice: i,
          startedAtMs: nowMs,
          completedAtMs: nowMs,
          botId: source.botId,
          botDimensions: source.botDimensions,
          exitCode: 0,
          durationSecs: source.durationSecs,
          dedupedFrom: source.id,
          outputSize: source.outputSize,
          ...(source.outputs === undefined ? {} : { outputs: source.outputs }),
          summary: `deduplicated from task ${source.id}`,
        },
        effects: [{ type: 'notify' }],
      };
    }
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
