export {
  compileBotConfig,
  EXIT_USAGE,
  LOG_LEVELS,
  USAGE,
  type BotConfig,
  type CompileConfigOutcome,
  type ConfigHost,
  type Dimensions,
  type LogLevel,
} from './config';
export {
  cpuValues,
  dimensionsFromFacts,
  gpuValues,
  osValues,
  type DimensionSettings,
  type GpuFacts,
  type SystemFacts,
} from './dimensions';
export { probeDimensions, probeSystemFacts } from './probe-dimensions';
export {
  groupRecordsDir,
  killLeftoverGroups,
  recordGroup,
  removeGroupRecord,
  type LeftoverGroup,
} from './group-records';
export {
  currentBootId,
  isProcessRunning,
  processStartTicks,
  runningGroupMembers,
  signalGroup,
  sweepGroup,
  terminationDance,
} from './process-group';
export { buildTaskEnv, resolveInside, taskWorkDir, type TaskEnvInput } from './task-env';
export {
  monotonicClock,
  startTask,
  TaskKilled,
  type Clock,
  type RunResult,
  type RunTaskOptions,
  type TaskManifestLike,
  type TaskRun,
  type TimedOut,
} from './runner';
export { BotSession, startBotSession } from './session';
export {
  FATAL_CODES,
  STOP_REASON_TEXT,
  type SessionEnd,
  type SessionOptions,
  type SessionState,
  type StopReason,
  type WelcomeInfo,
} from './session-types';
export {
  backoffDelayMs,
  channelBackoffOptions,
  DEFAULT_BACKOFF,
  type BackoffInput,
  type BackoffPolicy,
} from './backoff';
export { OutputOutbox, type AckOutcome, type OutputPiece } from './output-outbox';
export { DEFAULT_COALESCE, TaskSlot, type CoalescePolicy, type Link } from './task-slot';
export { freeDiskBytes, healthNow, type HealthInput } from './health';
export { readBotToken, type TokenOutcome } from './token';
export { createRootLogger } from './logger';
export { EXIT_CODES } from './exit-codes';
export { BOT_VERSION } from './version';
export {
  canceledFinish,
  dimensionsFromWire,
  dimensionsToWire,
  taskFinishedToWire,
  TIMEOUT_KIND,
} from './wire';
