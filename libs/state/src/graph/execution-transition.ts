import { MIN_EXECUTION_TOKEN_BYTES, hashToken, tokenMatches } from './execution-token';
import type { ExecutionEvent, ExecutionOutcome, GraphEffect } from './graph-events';
import { isFinalExecutionState } from './graph-state';
import type { AbnormalFinish, Execution } from './graph-types';
import { attemptOf } from './graph-types';
import { sameResult } from './json-result';
import { executionEndFor } from './task-outcome';

/**
 * The execution state machine of DESIGN.md §5, a pure function of the execution, the event and
 * the time. Callers' requests (activate, finish-attempt, result-malformed, halt) are refused when
 * they do not apply; system events (task-created, task-ended, deadline) that come late or twice
 * are ignored. The shell commits `execution` with a conditional write on the input's state, then
 * runs the effects. applyExecutionEvent() also moves the attempt when the execution ends.
 */
export function transitionExecution(
  execution: Execution,
  event: ExecutionEvent,
  nowMs: number,
): ExecutionOutcome {
  switch (event.type) {
    case 'task-created':
      if (isFinalExecutionState(execution.state)) return { ignored: 'final' };
      if (execution.taskId === event.taskId) return unchanged(execution);
      if (execution.taskId !== null) return { refused: 'task-mismatch' };
      return {
        execution: { ...execution, taskId: event.taskId, modifiedAtMs: nowMs },
        effects: [],
      };
    case 'activate':
      return activate(execution, event, nowMs);
    case 'finish-attempt':
      return finishAttempt(execution, event, nowMs);
    case 'result-malformed':
      if (isFinalExecutionState(execution.state)) return { refused: 'final' };
      if (!tokenMatches(event.token, execution.executionTokenHash)) return { refused: 'bad-token' };
      if (execution.state !== 'RUNNING') return { refused: 'not-running' };
      return abnormalEnd(
        execution,
        { status: 'RESULT_MALFORMED', reason: event.reason },
        nowMs,
        'the result was malformed',
      );
    case 'halt':
      if (isFinalExecutionState(execution.state)) return { refused: 'final' };
      if (execution.state === 'STOPPING' && execution.shouldHalt) return unchanged(execution);
      if (execution.state !== 'RUNNING') return { refused: 'not-running' };
      return stop(execution, { shouldHalt: true }, nowMs);
    case 'task-ended': {
      if (isFinalExecutionState(execution.state)) return { ignored: 'final' };
      const end = executionEndFor(event.outcome, execution.state === 'STOPPING');
      if ('abnormalFinish' in end) return abnormalEnd(execution, end.abnormalFinish, nowMs, null);
      return {
        execution: {
          ...execution,
          state: 'FINISHED',
          deadlineAtMs: null,
          endedAtMs: nowMs,
          modifiedAtMs: nowMs,
        },
        effects: [notify(execution)],
      };
    }
    case 'deadline':
      return deadline(execution, nowMs);
  }
}

function activate(
  execution: Execution,
  event: Extract<ExecutionEvent, { type: 'activate' }>,
  nowMs: number,
): ExecutionOutcome {
  if (isFinalExecutionState(execution.state)) return { refused: 'final' };
  if (!tokenMatches(event.activationToken, execution.activationTokenHash)) {
    return { refused: 'bad-token' };
  }
  if (execution.state !== 'SCHEDULING') {
    // Idempotent for the same execution token; anyone else is refused.
    return tokenMatches(event.executionToken, execution.executionTokenHash)
      ? unchanged(execution)
      : { refused: 'already-activated' };
  }
  if (event.executionToken.length < MIN_EXECUTION_TOKEN_BYTES) return { refused: 'short-token' };
  const deadlineAtMs = nowMs + execution.timeouts.runSecs * 1000;
  return {
    execution: {
      ...execution,
      state: 'RUNNING',
      executionTokenHash: hashToken(event.executionToken),
      activatedAtMs: nowMs,
      deadlineAtMs,
      modifiedAtMs: nowMs,
    },
    effects: [
      { type: 'schedule-deadline', execution: execution.id, atMs: deadlineAtMs },
      notify(execution),
    ],
  };
}

function finishAttempt(
  execution: Execution,
  event: Extract<ExecutionEvent, { type: 'finish-attempt' }>,
  nowMs: number,
): ExecutionOutcome {
  if (isFinalExecutionState(execution.state)) return { refused: 'final' };
  if (!tokenMatches(event.token, execution.executionTokenHash)) return { refused: 'bad-token' };
  if (execution.state === 'STOPPING') {
    // A client retry of the same FinishAttempt succeeds; anything else is too late.
    const pending = execution.pendingResult;
    return pending !== null && sameResult(pending, event.result)
      ? unchanged(execution)
      : { refused: 'not-running' };
  }
  if (execution.state !== 'RUNNING') return { refused: 'not-running' };
  return stop(execution, { pendingResult: event.result }, nowMs);
}

/** RUNNING → STOPPING: the payload must exit within timeouts.stop. */
function stop(
  execution: Execution,
  changes: Partial<Pick<Execution, 'shouldHalt' | 'pendingResult'>>,
  nowMs: number,
): ExecutionOutcome {
  const deadlineAtMs = nowMs + execution.timeouts.stopSecs * 1000;
  return {
    execution: {
      ...execution,
      ...changes,
      state: 'STOPPING',
      stoppingAtMs: nowMs,
      deadlineAtMs,
      modifiedAtMs: nowMs,
    },
    effects: [
      { type: 'schedule-deadline', execution: execution.id, atMs: deadlineAtMs },
      notify(execution),
    ],
  };
}

/** The coordinator's own enforcement of timeouts.start / run / stop on the execution. */
function deadline(execution: Execution, nowMs: number): ExecutionOutcome {
  const due = execution.deadlineAtMs !== null && nowMs >= execution.deadlineAtMs;
  const { startSecs, runSecs, stopSecs } = execution.timeouts;
  switch (execution.state) {
    case 'FINISHED':
    case 'ABNORMAL_FINISHED':
      return { ignored: 'final' };
    case 'SCHEDULING':
      if (!due) return { ignored: 'not-due' };
      return abnormalEnd(
        execution,
        { status: 'EXPIRED', reason: `not activated within timeouts.start (${startSecs}s)` },
        nowMs,
        'not activated in time',
      );
    case 'RUNNING':
      if (!due) return { ignored: 'not-due' };
      return abnormalEnd(
        execution,
        { status: 'TIMED_OUT', reason: `still running after timeouts.run (${runSecs}s)` },
        nowMs,
        'execution timed out',
      );
    case 'STOPPING':
      if (!due) return { ignored: 'not-due' };
      return abnormalEnd(
        execution,
        { status: 'TIMED_OUT', reason: `did not exit within timeouts.stop (${stopSecs}s)` },
        nowMs,
        'execution did not stop in time',
      );
  }
}

/**
 * → ABNORMAL_FINISHED at once. `killReason` non-null: the task may still run, so kill it (its
 * later end is a late event for a final execution and is ignored).
 */
function abnormalEnd(
  execution: Execution,
  abnormalFinish: AbnormalFinish,
  nowMs: number,
  killReason: string | null,
): ExecutionOutcome {
  const effects: GraphEffect[] = [];
  if (killReason !== null && execution.taskId !== null) {
    effects.push({ type: 'kill-task', taskId: execution.taskId, reason: killReason });
  }
  effects.push(notify(execution));
  return {
    execution: {
      ...execution,
      state: 'ABNORMAL_FINISHED',
      abnormalFinish,
      deadlineAtMs: null,
      endedAtMs: nowMs,
      modifiedAtMs: nowMs,
    },
    effects,
  };
}

function unchanged(execution: Execution): ExecutionOutcome {
  return { execution, effects: [] };
}

function notify(execution: Execution): GraphEffect {
  return { type: 'notify', attempt: attemptOf(execution.id) };
}
