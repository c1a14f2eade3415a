// Builders for the tests of libs/state: plain data, a fixed clock, nothing random.
import type { KeyValue, Task, TaskProperties, TaskSlice, TaskSpec } from '../src/index';

/** The fixed clock every test starts from (ms since the epoch). */
export const T0 = 1_700_000_000_000;

export function properties(overrides: Partial<TaskProperties> = {}): TaskProperties {
  return {
    command: ['python3', 'run.py', '--shard=1'],
    env: [
      { key: 'LANG', value: 'C.UTF-8' },
      { key: 'EMPTY', value: '' },
    ],
    envPrefixes: [{ key: 'PATH', values: ['bin', 'tools/bin'] }],
    relativeCwd: 'src',
    dimensions: [
      { key: 'pool', value: 'ci' },
      { key: 'os', value: 'Linux' },
    ],
    executionTimeoutSecs: 3600,
    ioTimeoutSecs: 1200,
    gracePeriodSecs: 30,
    idempotent: false,
    ...overrides,
  };
}

export function slice(
  expirationSecs: number,
  waitForCapacity = false,
  dimensions?: readonly KeyValue[],
): TaskSlice {
  return {
    properties: properties(dimensions === undefined ? {} : { dimensions }),
    expirationSecs,
    waitForCapacity,
    propertiesHash: `hash-${expirationSecs}-${waitForCapacity}`,
  };
}

export function spec(slices: readonly TaskSlice[], overrides: Partial<TaskSpec> = {}): TaskSpec {
  return {
    name: 'unit tests',
    priority: 200,
    tags: ['project:drover', 'purpose:test'],
    user: 'alice@example.com',
    authenticated: 'alice',
    requestUuid: '',
    parentTaskId: '',
    slices,
    ...overrides,
  };
}

/** A task just submitted, PENDING in slice 0 (built by hand, independent of createTask). */
export function pendingTask(taskSpec: TaskSpec, overrides: Partial<Task> = {}): Task {
  return {
    id: 'task-1',
    spec: taskSpec,
    state: 'PENDING',
    currentSlice: 0,
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
    summary: '',
    revision: 0,
    ...overrides,
  };
}

/** Freezes a value and everything it holds, so that a test fails if the code mutates it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as object)) deepFreeze(inner);
  }
  return value;
}
