export {
  compileBotConfig,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MIN_FREE_DISK_BYTES,
  EXIT_USAGE,
  LOG_LEVELS,
  USAGE,
  type BotConfig,
  type BotTls,
  type CompileConfigOutcome,
  type ConfigHost,
  type Dimensions,
  type LogLevel,
} from './config';
export {
  CONFIG_FILE_KEYS,
  parseConfigFile,
  type ConfigFileKey,
  type ConfigFileOutcome,
  type ConfigFileValues,
} from './config-file';
export { channelCredentials } from './channel-credentials';
export {
  renderInstall,
  renderBotConfig,
  type InstallFile,
  type RenderedInstall,
} from './install/render-install';
export {
  parseInstallOptions,
  type InstallOptions,
  type InstallOptionsOutcome,
} from './install/install-options';
export { renderUnit, timeoutStopSecs, STOP_MARGIN_SECS } from './install/systemd-unit';
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
export { formatBytes, parseByteSize } from '@drover/protocol';
export { acquireBotLock, botLockPath, type BotLockOutcome } from './bot-lock';
export {
  inPidWindow,
  pidMarkNow,
  pidRange,
  processesWithEnv,
  sweepProcessesWithEnv,
  type EnvSweep,
  type PidMark,
  type PidWindow,
} from './escaped-sweep';
export { DEFAULT_MAX_OUTPUT_BYTES, OutputPump, type OutputPumpOptions } from './output-pump';
export {
  SignalShutdown,
  stepForSignal,
  type SignalShutdownOptions,
  type SignalStep,
} from './shutdown';
export {
  groupRecordsDir,
  killLeftoverGroups,
  recordGroup,
  recordTaskStart,
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
  type FreeDiskProbe,
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
export {
  DEFAULT_COALESCE,
  DEFAULT_MAX_UNACKED_OUTPUT_BYTES,
  TaskSlot,
  type CoalescePolicy,
  type FlowPolicy,
  type Link,
} from './task-slot';
export { freeDiskBytes, healthNow, lowDiskReason, type HealthInput } from './health';
export { readBotToken, type TokenOutcome } from './token';
export { createRootLogger } from './logger';
export { EXIT_CODES, type ExitCode } from './exit-codes';
export { BOT_VERSION } from './version';
export {
  canceledFinish,
  dimensionsFromWire,
  dimensionsToWire,
  taskFinishedToWire,
  TIMEOUT_KIND,
} from './wire';
