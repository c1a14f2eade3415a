import type { StoredTaskState } from '../task/task-state';
import type { AbnormalStatus } from './graph-state';
import type {
  AbnormalFinish,
  Attempt,
  AttemptId,
  Execution,
  ExecutionId,
  JsonResult,
  RetryPolicy,
} from './graph-types';

/** How the execution's task ended, as the task core reports it; or the task does not exist. */
export type TaskOutcome =
  | {
      readonly state: Exclude<StoredTaskState, 'PENDING' | 'RUNNING'>;
      readonly exitCode: number | null;
    }
  | { readonly state: 'unknown-task' };

/** Everything that can happen to an execution after it was scheduled. */
export type ExecutionEvent =
  /** The shell created (or found) the execution's task. */
  | { readonly type: 'task-created'; readonly taskId: string }
  /** ActivateExecution: `activationToken` is ExecutionAuth.token, `executionToken` the new one. */
  | {
      readonly type: 'activate';
      readonly activationToken: Uint8Array;
      readonly executionToken: Uint8Array;
    }
  /** FinishAttempt with a normalized result; `token` is ExecutionAuth.token. */
  | { readonly type: 'finish-attempt'; readonly token: Uint8Array; readonly result: JsonResult }
  /** FinishAttempt whose result could not be normalized (not one object, too large). */
  | { readonly type: 'result-malformed'; readonly token: Uint8Array; readonly reason: string }
  /** EnsureGraphData left unfinished dependencies (addDependencies applies it; authenticated). */
  | { readonly type: 'halt' }
  /** The execution's task reached a final state, or is unknown to the task system. */
  | { readonly type: 'task-ended'; readonly outcome: TaskOutcome }
  /** A timer set by `schedule-deadline` fired (it may be stale: the deadline moved since). */
  | { readonly type: 'deadline' };

export type ExecutionEventType = ExecutionEvent['type'];

/** Everything that can happen to an attempt. */
export type AttemptEvent =
  /** scheduleExecution: the attempt's next execution was created. */
  | { readonly type: 'execution-scheduled' }
  /** Execution `execution` ended FINISHED: with FinishAttempt's result, or halted. */
  | {
      readonly type: 'execution-finished';
      readonly execution: number;
      readonly halted: boolean;
      readonly result: JsonResult | null;
    }
  /** Execution `execution` ended ABNORMAL_FINISHED; `retry` is the quest's meta.retry. */
  | {
      readonly type: 'execution-abnormal';
      readonly execution: number;
      readonly abnormalFinish: AbnormalFinish;
      readonly retry: RetryPolicy;
    }
  /**
   * An attempt this one has an edge to became final; `abnormal`: its status when it ended
   * ABNORMAL_FINISHED (absent when FINISHED). An attempt that never ran (WAITING, no execution)
   * then ends ABNORMAL_FINISHED (CANCELLED) itself; one that has run is woken as for a result.
   */
  | {
      readonly type: 'dependency-final';
      readonly dependency: AttemptId;
      readonly abnormal?: AbnormalStatus;
    }
  /** A new dependency found this attempt's result expired: run it again. */
  | { readonly type: 'result-needed' };

export type AttemptEventType = AttemptEvent['type'];

/**
 * What the shell must do for a committed change. `propagate-final` and `rerun-expired` change
 * other attempts and must not be lost: apply them in the same store transaction (or through a
 * durable outbox); the others run after commit.
 */
export type GraphEffect =
  /** Submit the execution's task (secret env: execution id + activation token, never logged). */
  | {
      readonly type: 'create-task';
      readonly execution: ExecutionId;
      readonly activationToken: Uint8Array;
      readonly distributorConfigName: string;
      /** Canonical JSON object. */
      readonly distributorParameters: string;
      readonly asAccount: string;
      /** timeouts.start → the slice's expiration_secs. */
      readonly expirationSecs: number;
      /** timeouts.run → execution_timeout_secs. */
      readonly executionTimeoutSecs: number;
      /** timeouts.stop → grace_period_secs. */
      readonly gracePeriodSecs: number;
    }
  /** Cancel the task, killing it if running (kill_running). */
  | { readonly type: 'kill-task'; readonly taskId: string; readonly reason: string }
  /** Apply `deadline` to this execution at `atMs`. */
  | { readonly type: 'schedule-deadline'; readonly execution: ExecutionId; readonly atMs: number }
  /** The attempt is SCHEDULING: create its next execution (scheduleExecution). */
  | { readonly type: 'schedule-execution'; readonly attempt: AttemptId }
  /**
   * The attempt became final: apply `dependency-final` (with the same `abnormal`) to every
   * attempt with an edge to it. `abnormal`: its status when it ended ABNORMAL_FINISHED, absent
   * when FINISHED.
   */
  | {
      readonly type: 'propagate-final';
      readonly attempt: AttemptId;
      readonly abnormal?: AbnormalStatus;
    }
  /** A new edge found this FINISHED dependency's result expired: apply `result-needed` to it. */
  | { readonly type: 'rerun-expired'; readonly attempt: AttemptId }
  /** The attempt or one of its executions changed: wake watchers. */
  | { readonly type: 'notify'; readonly attempt: AttemptId };

/** Why a caller's request does not apply: answered to the caller (FAILED_PRECONDITION etc.). */
export type GraphRefusal =
  /** ExecutionAuth.token does not match (PERMISSION_DENIED). */
  | 'bad-token'
  /** ActivateExecution's execution_token is shorter than 32 bytes (INVALID_ARGUMENT). */
  | 'short-token'
  /** The execution was activated with another token. */
  | 'already-activated'
  | 'not-scheduling'
  | 'not-running'
  | 'not-executing'
  /** The execution is final: its payload must exit. */
  | 'final'
  /** task-created names another task than the one recorded. */
  | 'task-mismatch'
  /** The execution is not the attempt's current one. */
  | 'stale-execution'
  /** An edge would close a cycle (INVALID_ARGUMENT). */
  | 'cycle';

/** Why a system event (task end, timer, propagation) changes nothing: late or duplicate. */
export type GraphIgnored =
  'final' | 'not-due' | 'stale-execution' | 'not-waiting-on' | 'result-valid' | 'not-finished';

export type ExecutionOutcome =
  | { readonly execution: Execution; readonly effects: readonly GraphEffect[] }
  | { readonly refused: GraphRefusal }
  | { readonly ignored: GraphIgnored };

export type AttemptOutcome =
  | { readonly attempt: Attempt; readonly effects: readonly GraphEffect[] }
  | { readonly refused: GraphRefusal }
  | { readonly ignored: GraphIgnored };
