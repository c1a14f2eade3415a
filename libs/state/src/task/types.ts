import type { StoredTaskState } from './task-state';

/** One key and one value (a task dimension, an environment variable). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** One key with several values (an env prefix, a bot dimension). */
export interface KeyValues {
  readonly key: string;
  readonly values: readonly string[];
}

/** What runs: validated and with every default applied. */
export interface TaskProperties {
  readonly command: readonly string[];
  readonly env: readonly KeyValue[];
  readonly envPrefixes: readonly KeyValues[];
  readonly relativeCwd: string;
  /** As given: a repeated key means AND, a value `a|b` means OR. */
  readonly dimensions: readonly KeyValue[];
  readonly executionTimeoutSecs: number;
  /** 0 = off. */
  readonly ioTimeoutSecs: number;
  readonly gracePeriodSecs: number;
  readonly idempotent: boolean;
  /**
   * Set by the coordinator only (graph executions: DROVER_EXECUTION_ID/TOKEN): sent to the bot as
   * TaskManifest.secret_env, never returned by the Tasks API, not part of propertiesHash.
   */
  readonly secretEnv?: readonly KeyValue[];
}

export interface TaskSlice {
  readonly properties: TaskProperties;
  /** SHA-256 (hex) of the canonical properties: equal hashes may share a result (dedup). */
  readonly propertiesHash: string;
  readonly expirationSecs: number;
  readonly waitForCapacity: boolean;
}

/** A validated request: immutable once stored. */
export interface TaskSpec {
  readonly name: string;
  readonly priority: number;
  readonly tags: readonly string[];
  readonly user: string;
  /** Who submitted it (the token's principal): request_uuid is scoped to it. */
  readonly authenticated: string;
  readonly requestUuid: string;
  readonly parentTaskId: string;
  readonly slices: readonly TaskSlice[];
  /**
   * Set only on a bot's termination task (TerminateBot, priority 0, pinned to `id:<bot>`): the
   * bot gets a Terminate carrying this reason instead of an Assign, reports the task COMPLETED
   * exit 0 without running anything, and exits. Absent on every other task.
   */
  readonly terminate?: { readonly reason: string };
}

export type TimedOut = 'none' | 'hard' | 'io';

/** A task as stored: the spec plus everything that changes. Times are ms since the epoch. */
export interface Task {
  readonly id: string;
  readonly spec: TaskSpec;
  readonly state: StoredTaskState;
  readonly currentSlice: number;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
  /** When a bot claimed the task (PENDING → RUNNING). */
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
  readonly abandonedAtMs: number | null;
  /** When a kill of the running task was asked; the bot has not reported yet. */
  readonly killRequestedAtMs: number | null;
  /** The bot reported that the process started. */
  readonly processStarted: boolean;
  readonly botId: string | null;
  readonly botDimensions: readonly KeyValues[];
  /** Fresh at each dispatch; every report from the bot must carry it. */
  readonly leaseId: string | null;
  readonly exitCode: number | null;
  readonly durationSecs: number | null;
  readonly failure: boolean;
  readonly internalFailure: boolean;
  readonly dedupedFrom: string | null;
  readonly outputSize: number;
  /** For people: why the task is in its state. */
  readonly summary: string;
}
