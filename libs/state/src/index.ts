export {
  ACTIVE_STATES,
  TASK_STATE_VALUES,
  isFinalState,
  taskStateName,
  type StoredTaskState,
  type TaskStateName,
} from './task/task-state';
export type {
  CacheEntry,
  OutputFile,
  InputsFetch,
  TaskOutputs,
  KeyValue,
  KeyValues,
  Task,
  TaskProperties,
  TaskNotify,
  TaskSlice,
  TaskSpec,
  TimedOut,
} from './task/types';
export type { Refusal, TaskEffect, TaskEvent, TaskEventType } from './task/events';
export { transition, type TransitionOutcome } from './task/transition';
export { createTask, type CreateTaskInput } from './task/create-task';
export { runningBackstopAtMs, sliceDeadlineAtMs } from './task/slice-deadline';
export {
  botPingToleranceMs,
  judgeTasksOfSilentBot,
  taskPingToleranceMs,
} from './task/ping-tolerance';
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
  type PageRequest,
  type PendingSummary,
  type Store,
  type TaskPage,
  type TaskInsertExtras,
  type TaskQuery,
} from './store/store';
export {
  decodeNote,
  encodeNote,
  taskNote,
  type BotNote,
  type ChangeFeed,
  type ChangeNote,
  type OutputNote,
  type PendingNote,
  type TaskNote,
} from './store/change-feed';
export type {
  AddEdgesOutcome,
  AttemptNeeds,
  EnsureGraphExtras,
  EnsureGraphOutcome,
  GraphCommit,
  GraphStore,
  RunFilter,
  ScheduleExecutionInput,
} from './store/graph-store';
export type {
  NewWebhook,
  WebhookDelivery,
  WebhookRecord,
  WebhookSettlement,
  WebhookStore,
} from './store/webhook-store';
export type { CasBlobRecord, CasBlobSize, CasRunningReferrer, CasStore } from './store/cas-store';
export type { FleetRange, FleetSampleRow, FleetStore } from './store/fleet-store';
export type {
  AccessStore,
  AccessTokenKind,
  AccessTokenRecord,
  AuditQuery,
  AuditRecord,
  AuditStore,
  NewAuditRecord,
  PoolRoles,
  StoredBotGroup,
  StoredPrincipal,
} from './store/access-store';
export {
  PURGE_BATCH_MAX,
  type PurgeTasksRequest,
  type PurgeTasksResult,
  type RetentionStore,
} from './store/retention-store';
export { TASK_OWNED_TABLES, type TaskOwnedTable } from './store/task-owned-tables';
export { InvalidCursorError } from './store/cursor';
export { TASK_SORTS, type TaskSort } from './store/task-order';
export { openSqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store';
export { openPgStore, type PgStoreOptions } from './store/pg/pg-store';
export { dropPgSchema, pgReachable } from './store/pg/pg-probe';
export { DispatchIndex, type PendingEntry } from './match/dispatch-index';
// Graph core (DESIGN.md §5): quests, attempts, executions — pure, see graph/README.md.
export {
  ABNORMAL_STATUS_VALUES,
  ATTEMPT_STATE_VALUES,
  EXECUTION_STATE_VALUES,
  RETRYABLE_STATUSES,
  abnormalStatusName,
  attemptStateName,
  executionStateName,
  isFinalAttemptState,
  isFinalExecutionState,
  isRetryableStatus,
  type AbnormalStatus,
  type AttemptState,
  type ExecutionState,
  type RetryableStatus,
} from './graph/graph-state';
export {
  NO_RETRIES,
  attemptKey,
  attemptOf,
  compareAttemptIds,
  executionKey,
  sameAttempt,
  type AbnormalFinish,
  type Attempt,
  type AttemptId,
  type Execution,
  type ExecutionId,
  type GraphRun,
  type GraphRunStep,
  type JsonResult,
  type Quest,
  type QuestDesc,
  type QuestTimeouts,
  type RetryCounters,
  type RetryPolicy,
} from './graph/graph-types';
export type {
  AttemptEvent,
  AttemptEventType,
  AttemptOutcome,
  ExecutionEvent,
  ExecutionEventType,
  ExecutionOutcome,
  GraphEffect,
  GraphIgnored,
  GraphRefusal,
  TaskOutcome,
} from './graph/graph-events';
export {
  MAX_JSON_DEPTH,
  canonicalJsonObject,
  compareUtf8,
  utf8Length,
  type CanonicalJson,
  type CanonicalJsonError,
  type CanonicalJsonOutcome,
} from './graph/canonical-json';
export {
  MAX_RESULT_BYTES,
  normalizeJsonResult,
  resultSatisfies,
  sameResult,
  withheldResult,
  type JsonResultOutcome,
} from './graph/json-result';
export {
  MAX_QUEST_PARAMS_BYTES,
  QUEST_TIMEOUT_LIMITS,
  normalizeQuestDesc,
  type QuestDescError,
  type QuestDescInput,
  type QuestDescOutcome,
} from './graph/quest-desc';
export {
  QUEST_ID_LENGTH,
  canonicalQuestDesc,
  createQuest,
  isQuestId,
  questId,
} from './graph/quest-id';
export { MIN_EXECUTION_TOKEN_BYTES, hashToken, tokenMatches } from './graph/execution-token';
export { executionEndFor } from './graph/task-outcome';
export { ZERO_RETRY_COUNTS, retryDecision, type RetryDecision } from './graph/retry-policy';
export { transitionExecution } from './graph/execution-transition';
export { transitionAttempt } from './graph/attempt-transition';
export { createAttempt, isAttemptNumber } from './graph/create-attempt';
export { scheduleExecution, type ScheduleExecutionOutcome } from './graph/schedule-execution';
export { applyExecutionEvent, type GraphOutcome } from './graph/apply-execution-event';
export {
  addDependencies,
  authenticateExecution,
  dependencySatisfied,
  type AddDependenciesInput,
  type AddDependenciesOutcome,
} from './graph/add-dependencies';
export {
  DEFAULT_MAX_VISITED,
  findCycle,
  findCycleAsync,
  searchCycle,
  type CycleVerdict,
  type FwdDepsBatch,
} from './graph/cycle-search';
