import type { AbnormalStatus, AttemptState, ExecutionState } from './graph-state';

/** proto AttemptId{quest, id}: the attempt number is ≥ 1. */
export interface AttemptId {
  readonly quest: string;
  readonly attempt: number;
}

/** proto ExecutionId{quest, attempt, id}: the execution number is ≥ 1 within its attempt. */
export interface ExecutionId {
  readonly quest: string;
  readonly attempt: number;
  readonly execution: number;
}

/** Retries allowed per retryable status ("in a row"): meta.retry of a quest. */
export interface RetryPolicy {
  readonly failed: number;
  readonly crashed: number;
  readonly expired: number;
  readonly timedOut: number;
}

/** The same shape counts the abnormal finishes in a row of an attempt, per status. */
export type RetryCounters = RetryPolicy;

export const NO_RETRIES: RetryPolicy = { failed: 0, crashed: 0, expired: 0, timedOut: 0 };

/** meta.timeouts with the defaults applied (seconds, as in the proto). */
export interface QuestTimeouts {
  /** SCHEDULING → RUNNING (activation); the task's slice expiration. */
  readonly startSecs: number;
  /** RUNNING → STOPPING; the task's execution timeout. */
  readonly runSecs: number;
  /** STOPPING → FINISHED (the task ends); the task's grace period. */
  readonly stopSecs: number;
}

/** A validated quest description: both JSON fields canonical, every default applied. */
export interface QuestDesc {
  /**
   * A display name (≤ 128 characters; '' = none): NOT part of the canonical form, so descs that
   * differ only in name are one quest, which keeps the name it was created with.
   */
  readonly name: string;
  readonly distributorConfigName: string;
  /** Canonical JSON object (canonical-json.ts). */
  readonly parameters: string;
  /** Canonical JSON object (canonical-json.ts). */
  readonly distributorParameters: string;
  readonly meta: {
    readonly asAccount: string;
    readonly retry: RetryPolicy;
    readonly timeouts: QuestTimeouts;
  };
}

/** Immutable once created; `id` is questId(desc). */
export interface Quest {
  readonly id: string;
  readonly desc: QuestDesc;
  readonly createdAtMs: number;
}

/** A normalized JsonResult (json-result.ts). */
export interface JsonResult {
  /** Canonical JSON object. */
  readonly object: string;
  /** UTF-8 bytes of `object`: always reported, even when the object is withheld. */
  readonly size: number;
  /** null: never expires. */
  readonly expiresAtMs: number | null;
}

export interface AbnormalFinish {
  readonly status: AbnormalStatus;
  readonly reason: string;
}

export interface Attempt {
  readonly id: AttemptId;
  readonly state: AttemptState;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
  /** Executions created so far; while EXECUTING the current one is number `numExecutions`. */
  readonly numExecutions: number;
  /** Abnormal finishes in a row, per retryable status; all reset by a successful execution. */
  readonly retryCounts: RetryCounters;
  /** Forward edges: the attempts this one depends on (sorted by attemptKey, no duplicates). */
  readonly fwdDeps: readonly AttemptId[];
  /**
   * The forward deps that were not final (or had an expired result) when their edge was asked
   * and have not become final since. proto num_waiting_deps = its length.
   */
  readonly waitingOn: readonly AttemptId[];
  /** Set when FINISHED (cleared if an expired result is re-run). */
  readonly result: JsonResult | null;
  /** Set when ABNORMAL_FINISHED. */
  readonly abnormalFinish: AbnormalFinish | null;
}

/** One step of a pipeline run: its name in the pipeline, its attempt, the steps it needs. */
export interface GraphRunStep {
  readonly name: string;
  readonly attempt: AttemptId;
  readonly needs: readonly string[];
}

/**
 * A pipeline run (drover graph run): a named group of attempts, recorded with them by
 * EnsureGraphData. Immutable once stored; its steps' states are the attempts'.
 */
export interface GraphRun {
  /** `run-` + 16 random base32 characters [a-z2-7] (chosen by the service). */
  readonly id: string;
  /** [A-Za-z0-9._-], 1–128 characters. */
  readonly name: string;
  readonly createdAtMs: number;
  /** Who asked (the principal's name; '' for an anonymous caller). */
  readonly user: string;
  /** The pools of its steps' tasks, sorted, no duplicates: who may view it (view in each). */
  readonly pools: readonly string[];
  readonly steps: readonly GraphRunStep[];
}

export interface Execution {
  readonly id: ExecutionId;
  readonly state: ExecutionState;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
  /** The Drover task that runs it; null until the shell records it (task-created). */
  readonly taskId: string | null;
  /** SHA-256 (hex) of the activation token put in the task's secret env. Tokens never stored. */
  readonly activationTokenHash: string;
  /** SHA-256 (hex) of the execution's own token, set by ActivateExecution. */
  readonly executionTokenHash: string | null;
  /** Copied from the quest when the execution was scheduled. */
  readonly timeouts: QuestTimeouts;
  /** The coordinator's deadline for the current state; null once final. */
  readonly deadlineAtMs: number | null;
  readonly activatedAtMs: number | null;
  readonly stoppingAtMs: number | null;
  readonly endedAtMs: number | null;
  /** EnsureGraphData answered should_halt: the payload must exit, its attempt waits. */
  readonly shouldHalt: boolean;
  /** FinishAttempt's result, given to the attempt when the task ends COMPLETED. */
  readonly pendingResult: JsonResult | null;
  /** Set when ABNORMAL_FINISHED. */
  readonly abnormalFinish: AbnormalFinish | null;
}

/** A string key for maps, sets and sorting: `<quest>:<attempt>` (quest ids hold no ':'). */
export function attemptKey(id: AttemptId): string {
  return `${id.quest}:${id.attempt}`;
}

/** `<quest>:<attempt>:<execution>`. */
export function executionKey(id: ExecutionId): string {
  return `${id.quest}:${id.attempt}:${id.execution}`;
}

export function attemptOf(id: ExecutionId): AttemptId {
  return { quest: id.quest, attempt: id.attempt };
}

export function sameAttempt(a: AttemptId, b: AttemptId): boolean {
  return a.quest === b.quest && a.attempt === b.attempt;
}

/** Orders attempt ids by quest (code units; base64url is ASCII), then number. */
export function compareAttemptIds(a: AttemptId, b: AttemptId): number {
  if (a.quest !== b.quest) return a.quest < b.quest ? -1 : 1;
  return a.attempt - b.attempt;
}
