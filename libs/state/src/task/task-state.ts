/** TaskState numbers: part of the wire contract (DESIGN.md §2), equal to Swarming's. */
export const TASK_STATE_VALUES = {
  INVALID: 0x00,
  RUNNING: 0x10,
  PENDING: 0x20,
  EXPIRED: 0x30,
  TIMED_OUT: 0x40,
  BOT_DIED: 0x50,
  CANCELED: 0x60,
  COMPLETED: 0x70,
  KILLED: 0x80,
  NO_RESOURCE: 0x100,
  CLIENT_ERROR: 0x200,
} as const;

export type TaskStateName = keyof typeof TASK_STATE_VALUES;

/** The states a stored task may hold (never INVALID). */
export type StoredTaskState = Exclude<TaskStateName, 'INVALID'>;

export const ACTIVE_STATES: ReadonlySet<StoredTaskState> = new Set(['PENDING', 'RUNNING']);

export function isFinalState(state: StoredTaskState): boolean {
  return !ACTIVE_STATES.has(state);
}

const BY_VALUE = new Map<number, TaskStateName>(
  Object.entries(TASK_STATE_VALUES).map(([name, value]) => [value, name as TaskStateName]),
);

export function taskStateName(value: number): TaskStateName | undefined {
  return BY_VALUE.get(value);
}
