import type { TaskStateWire } from '@drover/protocol';

/** The states a task never leaves (every state but PENDING, RUNNING and the INVALID zero value). */
export const TERMINAL_STATES: ReadonlySet<TaskStateWire> = new Set<TaskStateWire>([
  'EXPIRED',
  'TIMED_OUT',
  'BOT_DIED',
  'CANCELED',
  'COMPLETED',
  'KILLED',
  'NO_RESOURCE',
  'CLIENT_ERROR',
]);

/** True when the task will not change state any more. */
export function isTerminalState(state: TaskStateWire): boolean {
  return TERMINAL_STATES.has(state);
}
