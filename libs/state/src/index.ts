export {
  ACTIVE_STATES,
  TASK_STATE_VALUES,
  isFinalState,
  taskStateName,
  type StoredTaskState,
  type TaskStateName,
} from './task/task-state';
export type {
  KeyValue,
  KeyValues,
  Task,
  TaskProperties,
  TaskSlice,
  TaskSpec,
  TimedOut,
} from './task/types';
export type { Refusal, TaskEffect, TaskEvent, TaskEventType } from './task/events';
export { transition, type TransitionOutcome } from './task/transition';
export { createTask, type CreateTaskInput } from './task/create-task';
export { runningBackstopAtMs, sliceDeadlineAtMs } from './task/slice-deadline';
export { propertiesHash } from './task/properties-hash';
export { taskPoolOf, taskPoolsOf } from './task/task-pool';
export {
  countOrCombinations,
  expandOrDimensions,
  matchesDimensions,
  toDimensionMap,
  type BotDimensionMap,
} from './match/match-dimensions';
export {
  SEVEN_DAYS_MS,
  BOT_EVENT_RETENTION_MS,
  BOT_EVENT_TYPES,
  NO_ADMIN_STATE,
  type AppendOutputOutcome,
  type BotAdminState,
  type BotEventPage,
  type BotEventQuery,
  type BotEventRecord,
  type BotEventType,
  type BotRecord,
  type BotReport,
  type ExpectedTask,
  type InsertOutcome,
  type PendingSummary,
  type Store,
  type TaskPage,
  type TaskQuery,
} from './store/store';
export {
  InvalidCursorError,
  openSqliteStore,
  type SqliteStoreOptions,
} from './store/sqlite/sqlite-store';
export { DispatchIndex, type PendingEntry } from './match/dispatch-index';
