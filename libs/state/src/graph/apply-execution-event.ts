import { transitionAttempt } from './attempt-transition';
import { transitionExecution } from './execution-transition';
import type {
  AttemptEvent,
  ExecutionEvent,
  GraphEffect,
  GraphIgnored,
  GraphRefusal,
} from './graph-events';
import type { Attempt, Execution, Quest } from './graph-types';

export type GraphOutcome =
  | {
      readonly attempt: Attempt;
      readonly execution: Execution;
      readonly effects: readonly GraphEffect[];
    }
  | { readonly refused: GraphRefusal }
  | { readonly ignored: GraphIgnored };

/**
 * One event on an execution, and on its attempt when the execution ends (FINISHED → the attempt
 * finishes or waits; ABNORMAL_FINISHED → it retries or finishes abnormally). The shell commits
 * both rows in one transaction, each a conditional write on its input state, then runs the
 * effects (propagate-final inside that transaction).
 */
export function applyExecutionEvent(
  quest: Quest,
  attempt: Attempt,
  execution: Execution,
  event: ExecutionEvent,
  nowMs: number,
): GraphOutcome {
  if (execution.id.quest !== attempt.id.quest || execution.id.attempt !== attempt.id.attempt) {
    throw new Error('applyExecutionEvent: execution of another attempt');
  }
  const moved = transitionExecution(execution, event, nowMs);
  if (!('execution' in moved)) return moved;
  const next = moved.execution;
  let attemptEvent: AttemptEvent | undefined;
  if (next.state !== execution.state && next.state === 'FINISHED') {
    attemptEvent = {
      type: 'execution-finished',
      execution: next.id.execution,
      halted: next.shouldHalt,
      result: next.shouldHalt ? null : next.pendingResult,
    };
  } else if (next.state !== execution.state && next.state === 'ABNORMAL_FINISHED') {
    attemptEvent = {
      type: 'execution-abnormal',
      execution: next.id.execution,
      abnormalFinish: next.abnormalFinish!,
      retry: quest.desc.meta.retry,
    };
  }
  if (attemptEvent === undefined) return { attempt, execution: next, effects: moved.effects };
  const attemptMoved = transitionAttempt(attempt, attemptEvent, nowMs);
  // An ignored attempt event: the execution was not the current one (a late end).
  if (!('attempt' in attemptMoved)) return { attempt, execution: next, effects: moved.effects };
  return {
    attempt: attemptMoved.attempt,
    execution: next,
    effects: dedupeNotify([...moved.effects, ...attemptMoved.effects]),
  };
}

/** One `notify` per attempt is enough. */
function dedupeNotify(effects: readonly GraphEffect[]): GraphEffect[] {
  let notified = false;
  return effects.filter((e) => {
    if (e.type !== 'notify') return true;
    if (notified) return false;
    notified = true;
    return true;
  });
}
