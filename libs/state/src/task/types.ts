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

/** A named cache a task mounts at `path` (relative to its work dir); the bot keeps it. */
export interface CacheEntry {
  /** `[a-z0-9_]{1,128}` */
  readonly name: string;
  readonly path: string;
}

/** A file a task left in DROVER_OUTDIR, stored on the coordinator by content. */
export interface OutputFile {
  /** Relative to DROVER_OUTDIR, `/`-separated. */
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the content, lower-case hex. */
  readonly digest: string;
}

/** What a task's end recorded of its DROVER_OUTDIR. */
export interface TaskOutputs {
  readonly files: readonly OutputFile[];
  /** Not every file is listed (over the size limit, or the upload failed); the summary says why. */
  readonly truncated: boolean;
}

/** What the bot spent fetching a task's input tree before its process started. */
export interface InputsFetch {
  readonly durationSecs: number;
  /** Bytes it downloaded (blobs it did not hold). */
  readonly bytes: number;
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
  /** Named caches (absent = none); part of propertiesHash when present. */
  readonly caches?: readonly CacheEntry[];
  /**
   * Resource limits, applied where the bot's cgroup has the controller (absent = none); each is
   * part of propertiesHash when present. Bytes of memory of the task's processes together
   * (memory.max).
   */
  readonly memoryLimitBytes?: number;
  /** Processes and threads of the task at once (pids.max). */
  readonly pidsLimit?: number;
  /** The task's CPU share (cpu.weight, 1..10000; 100 is the default share). */
  readonly cpuWeight?: number;
  /**
   * How long the bot running the task may be silent before the task is BOT_DIED (absent = the
   * coordinator's --bot-ping-tolerance); part of propertiesHash when present.
   */
  readonly botPingToleranceSecs?: number;
  /**
   * The task's input tree in the CAS (TaskProperties.cas_input_root): the digest of its listing
   * (docs/cas.md), laid out in the work dir before the process starts; absent = none. Part of
   * propertiesHash when present.
   */
  readonly casInputRoot?: { readonly hash: string; readonly sizeBytes: number };
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

/** Where the coordinator POSTs a task's state changes. */
export interface TaskNotify {
  /** http: or https: URL. */
  readonly url: string;
  /** Sent back as is. */
  readonly userdata: string;
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
  /** The task this one was started from ('' = none): it is cancelled when that one ends. */
  readonly parentTaskId: string;
  readonly slices: readonly TaskSlice[];
  /** A webhook told of every state change (NewTaskRequest.notify); absent = none. */
  readonly notify?: TaskNotify;
  /**
   * Set only on a bot's termination task (TerminateBot, priority 0, pinned to `id:<bot>`): the
   * bot gets a Terminate carrying this reason instead of an Assign, reports the task COMPLETED
   * exit 0 without running anything, and exits. Absent on every other task.
   */
  readonly terminate?: { readonly reason: string };
  /**
   * The request carried secret_bytes (NewTaskRequest.secret_bytes). The bytes are never here:
   * the coordinator stores them encrypted apart from the task (Store insert extras) and gives
   * them only to the bot that runs the task. Such a task is never deduplicated, as a source or
   * as a new task. Absent = false.
   */
  readonly hasSecretBytes?: boolean;
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
  /** Recorded with the final state, from the bot's TaskFinished; absent when none. */
  readonly outputs?: TaskOutputs;
  /** What fetching the task's inputs cost its bot (TaskFinished); absent without a report. */
  readonly inputsFetch?: InputsFetch;
  /** Who cancelled or killed the task (a principal's name); absent when nobody did. */
  readonly canceledBy?: string;
  /**
   * 0 when created; each change `transition` makes adds 1. The store writes a successor only over
   * the revision it was computed from, so two writers racing on one task cannot both apply.
   */
  readonly revision: number;
}
