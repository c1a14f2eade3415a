/** Attempt.State numbers: part of the wire contract (DESIGN.md §5, graph.proto). */
export const ATTEMPT_STATE_VALUES = {
  SCHEDULING: 0,
  EXECUTING: 1,
  WAITING: 2,
  FINISHED: 3,
  ABNORMAL_FINISHED: 4,
} as const;

export type AttemptState = keyof typeof ATTEMPT_STATE_VALUES;

/** Execution.State numbers: part of the wire contract (DESIGN.md §5, graph.proto). */
export const EXECUTION_STATE_VALUES = {
  SCHEDULING: 0,
  RUNNING: 1,
  STOPPING: 2,
  FINISHED: 3,
  ABNORMAL_FINISHED: 4,
} as const;

export type ExecutionState = keyof typeof EXECUTION_STATE_VALUES;

/** AbnormalFinish.Status numbers (graph.proto); INVALID is never stored. */
export const ABNORMAL_STATUS_VALUES = {
  INVALID: 0,
  FAILED: 1,
  CRASHED: 2,
  EXPIRED: 3,
  TIMED_OUT: 4,
  CANCELLED: 5,
  REJECTED: 6,
  MISSING: 7,
  RESULT_MALFORMED: 8,
} as const;

export type AbnormalStatus = Exclude<keyof typeof ABNORMAL_STATUS_VALUES, 'INVALID'>;

/** The statuses a quest's `meta.retry` may retry (DESIGN.md §5): the first four. */
export const RETRYABLE_STATUSES = ['FAILED', 'CRASHED', 'EXPIRED', 'TIMED_OUT'] as const;

export type RetryableStatus = (typeof RETRYABLE_STATUSES)[number];

export function isRetryableStatus(status: AbnormalStatus): status is RetryableStatus {
  return (RETRYABLE_STATUSES as readonly AbnormalStatus[]).includes(status);
}

export function isFinalAttemptState(state: AttemptState): boolean {
  return state === 'FINISHED' || state === 'ABNORMAL_FINISHED';
}

export function isFinalExecutionState(state: ExecutionState): boolean {
  return state === 'FINISHED' || state === 'ABNORMAL_FINISHED';
}

function byValue<K extends string>(values: Readonly<Record<K, number>>): Map<number, K> {
  return new Map(Object.entries(values).map(([name, value]) => [value as number, name as K]));
}

const ATTEMPT_BY_VALUE = byValue(ATTEMPT_STATE_VALUES);
const EXECUTION_BY_VALUE = byValue(EXECUTION_STATE_VALUES);
const ABNORMAL_BY_VALUE = byValue(ABNORMAL_STATUS_VALUES);

export function attemptStateName(value: number): AttemptState | undefined {
  return ATTEMPT_BY_VALUE.get(value);
}

export function executionStateName(value: number): ExecutionState | undefined {
  return EXECUTION_BY_VALUE.get(value);
}

export function abnormalStatusName(value: number): AbnormalStatus | undefined {
  const name = ABNORMAL_BY_VALUE.get(value);
  return name === 'INVALID' ? undefined : name;
}
