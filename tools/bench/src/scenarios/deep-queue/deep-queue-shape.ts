import { validateNewTask, type NewTaskRequestOut } from '@drover/protocol';
import { createTask, type KeyValue, type Task, type TaskSpec } from '@drover/state';

/** The deep queue: `pending` PENDING tasks spread round-robin over `sets` dimension sets. */
export interface DeepQueueShape {
  readonly pending: number;
  readonly sets: number;
}

export const BENCH_POOL = 'bench';

/** The dimensions of set k: `pool=bench, set=s<k>`. */
export function deepSetDimensions(k: number): Record<string, string> {
  return { pool: BENCH_POOL, set: `s${k}` };
}

/** The probe's set: in the bench pool but matching none of the deep queue. */
export const PROBE_DIMENSIONS: Readonly<Record<string, string>> = {
  pool: BENCH_POOL,
  set: 'probe',
};

export function keyValues(dimensions: Readonly<Record<string, string>>): KeyValue[] {
  return Object.entries(dimensions).map(([key, value]) => ({ key, value }));
}

/** Priorities spread over 50..149 so that each queue's heap has real work to do. */
export function deepPriority(i: number): number {
  return 50 + ((i * 7919) % 100);
}

/** A validated spec, built through the same validation NewTask uses. */
export function benchSpec(
  dimensions: Readonly<Record<string, string>>,
  priority: number,
): TaskSpec {
  const request: NewTaskRequestOut = {
    name: 'bench deep queue',
    priority,
    tags: [],
    user: 'bench',
    request_uuid: '',
    parent_task_id: '',
    notify: null,
    properties: null,
    secret_bytes: Buffer.alloc(0),
    task_slices: [
      {
        properties: {
          command: ['true'],
          env: [],
          env_prefixes: [],
          relative_cwd: '',
          dimensions: Object.entries(dimensions).map(([key, value]) => ({ key, value })),
          idempotent: false,
          caches: [],
          cas_input_root: null,
        },
        // The longest allowed: the tasks must still be PENDING when the coordinator starts.
        expiration_secs: 604_800,
        wait_for_capacity: true,
      },
    ],
  };
  return validateNewTask(request);
}

/** What tells task i of the deep queue apart: everything else is its set's. */
export interface DeepTaskFields {
  readonly id: string;
  readonly set: number;
  readonly priority: number;
  readonly createdAtMs: number;
}

/**
 * Task i of the deep queue: set i mod sets, created `pending - i` ms before `nowMs` (oldest
 * first), with an id in the coordinator's format (12 hex digits of ms, 8 more).
 */
export function deepTaskFields(shape: DeepQueueShape, nowMs: number, i: number): DeepTaskFields {
  const createdAtMs = nowMs - (shape.pending - i);
  return {
    id: `${createdAtMs.toString(16).padStart(12, '0')}${i.toString(16).padStart(8, '0')}`,
    set: i % shape.sets,
    priority: deepPriority(i),
    createdAtMs,
  };
}

/** The spec of each set (priority 100; a task's own priority replaces it). */
export function deepSetSpecs(shape: DeepQueueShape): TaskSpec[] {
  return Array.from({ length: shape.sets }, (_, k) => benchSpec(deepSetDimensions(k), 100));
}

/** Task i as the coordinator would have created it. */
export function deepQueueTask(specs: readonly TaskSpec[], fields: DeepTaskFields): Task {
  const spec = { ...specs[fields.set]!, priority: fields.priority };
  return createTask({ id: fields.id, spec, nowMs: fields.createdAtMs, capacity: [true] }).task;
}
