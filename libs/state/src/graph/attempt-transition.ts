import type { AttemptEvent, AttemptOutcome, GraphEffect } from './graph-events';
import { isFinalAttemptState, type AbnormalStatus } from './graph-state';
import type { AbnormalFinish, Attempt, AttemptId, RetryCounters } from './graph-types';
import { attemptKey, sameAttempt } from './graph-types';
import { resultSatisfies } from './json-result';
import { ZERO_RETRY_COUNTS, retryDecision } from './retry-policy';

/**
 * The attempt state machine of DESIGN.md §5, a pure function of the attempt, the event and the
 * time. Ends of executions other than the current one, and events for a final attempt, are
 * ignored (late or duplicate). The shell commits `attempt` with a conditional write on the input's
 * state and numExecutions, then runs the effects.
 */
export function transitionAttempt(
  attempt: Attempt,
  event: AttemptEvent,
  nowMs: number,
): AttemptOutcome {
  switch (event.type) {
    case 'execution-scheduled':
      if (attempt.state !== 'SCHEDULING') return { refused: 'not-scheduling' };
      return {
        attempt: {
          ...attempt,
          state: 'EXECUTING',
          numExecutions: attempt.numExecutions + 1,
          modifiedAtMs: nowMs,
        },
        effects: [notify(attempt)],
      };
    case 'execution-finished': {
      const stale = staleEnd(attempt, event.execution);
      if (stale !== null) return stale;
      if (event.halted) return nextExecution(attempt, ZERO_RETRY_COUNTS, nowMs);
      if (event.result === null) throw new Error('execution-finished without halt needs a result');
      return {
        attempt: {
          ...attempt,
          state: 'FINISHED',
          result: event.result,
          retryCounts: ZERO_RETRY_COUNTS,
          modifiedAtMs: nowMs,
        },
        effects: [notify(attempt), { type: 'propagate-final', attempt: attempt.id }],
      };
    }
    case 'execution-abnormal': {
      const stale = staleEnd(attempt, event.execution);
      if (stale !== null) return stale;
      const decision = retryDecision(attempt.retryCounts, event.retry, event.abnormalFinish.status);
      if (decision.retry) return nextExecution(attempt, decision.retryCounts, nowMs);
      return {
        attempt: {
          ...attempt,
          state: 'ABNORMAL_FINISHED',
          abnormalFinish: event.abnormalFinish,
          modifiedAtMs: nowMs,
        },
        effects: [
          notify(attempt),
          { type: 'propagate-final', attempt: attempt.id, abnormal: event.abnormalFinish.status },
        ],
      };
    }
    case 'dependency-final': {
      if (isFinalAttemptState(attempt.state)) return { ignored: 'final' };
      const waitingOn = attempt.waitingOn.filter((d) => !sameAttempt(d, event.dependency));
      if (waitingOn.length === attempt.waitingOn.length) return { ignored: 'not-waiting-on' };
      const changed: Attempt = { ...attempt, waitingOn, modifiedAtMs: nowMs };
      if (
        event.abnormal !== undefined &&
        attempt.state === 'WAITING' &&
        attempt.numExecutions === 0
      ) {
        // Declared needs: it never ran, and one of its inputs will never come.
        return cancelled(changed, dependencyFailed(event.dependency, event.abnormal));
      }
      if (attempt.state === 'WAITING' && waitingOn.length === 0) {
        return schedule(changed);
      }
      // EXECUTING: the halted execution is still stopping; its end decides.
      return { attempt: changed, effects: [notify(attempt)] };
    }
    case 'result-needed':
      if (attempt.state !== 'FINISHED' || attempt.result === null) {
        return attempt.state === 'ABNORMAL_FINISHED'
          ? { ignored: 'final' }
          : { ignored: 'not-finished' };
      }
      if (resultSatisfies(attempt.result, nowMs)) return { ignored: 'result-valid' };
      return schedule({
        ...attempt,
        result: null,
        retryCounts: ZERO_RETRY_COUNTS,
        modifiedAtMs: nowMs,
      });
  }
}

/**
 * Why an attempt that never ran ends when a dependency it needs ended abnormally:
 * CANCELLED, naming the dependency and its status.
 */
export function dependencyFailed(dependency: AttemptId, status: AbnormalStatus): AbnormalFinish {
  return {
    status: 'CANCELLED',
    reason: `dependency ${attemptKey(dependency)} ended ABNORMAL_FINISHED (${status})`,
  };
}

/** ABNORMAL_FINISHED with `abnormalFinish`, told to the attempt's dependents. */
export function cancelled(
  attempt: Attempt,
  abnormalFinish: AbnormalFinish,
): { readonly attempt: Attempt; readonly effects: readonly GraphEffect[] } {
  return {
    attempt: { ...attempt, state: 'ABNORMAL_FINISHED', abnormalFinish },
    effects: [
      notify(attempt),
      { type: 'propagate-final', attempt: attempt.id, abnormal: abnormalFinish.status },
    ],
  };
}

/** Non-null when the ended execution is not the attempt's current, still running one. */
function staleEnd(attempt: Attempt, execution: number): AttemptOutcome | null {
  if (isFinalAttemptState(attempt.state)) return { ignored: 'final' };
  if (attempt.state !== 'EXECUTING' || execution !== attempt.numExecutions) {
    return { ignored: 'stale-execution' };
  }
  return null;
}

/** After a halt or a retry: wait while a dependency is unfinished, else schedule at once. */
function nextExecution(
  attempt: Attempt,
  retryCounts: RetryCounters,
  nowMs: number,
): AttemptOutcome {
  const changed: Attempt = { ...attempt, retryCounts, modifiedAtMs: nowMs };
  if (attempt.waitingOn.length > 0) {
    return { attempt: { ...changed, state: 'WAITING' }, effects: [notify(attempt)] };
  }
  return schedule(changed);
}

function schedule(attempt: Attempt): AttemptOutcome {
  return {
    attempt: { ...attempt, state: 'SCHEDULING' },
    effects: [notify(attempt), { type: 'schedule-execution', attempt: attempt.id }],
  };
}

function notify(attempt: Attempt): GraphEffect {
  return { type: 'notify', attempt: attempt.id };
}
