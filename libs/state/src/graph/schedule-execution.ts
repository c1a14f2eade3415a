import { MIN_EXECUTION_TOKEN_BYTES, hashToken } from './execution-token';
import { transitionAttempt } from './attempt-transition';
import type { GraphEffect, GraphIgnored, GraphRefusal } from './graph-events';
import type { Attempt, Execution, Quest } from './graph-types';

export type ScheduleExecutionOutcome =
  | {
      readonly attempt: Attempt;
      readonly execution: Execution;
      readonly effects: readonly GraphEffect[];
    }
  | { readonly refused: GraphRefusal }
  | { readonly ignored: GraphIgnored };

/**
 * Runs the `schedule-execution` effect: a SCHEDULING attempt gets its next execution (number
 * numExecutions + 1, SCHEDULING) and becomes EXECUTING. `activationToken` (≥ 32 random bytes,
 * from the shell) goes to the task's secret env through `create-task`; only its hash is stored.
 * The shell inserts the execution and updates the attempt in one transaction, then creates the
 * task and applies `task-created`.
 */
export function scheduleExecution(
  quest: Quest,
  attempt: Attempt,
  activationToken: Uint8Array,
  nowMs: number,
): ScheduleExecutionOutcome {
  if (quest.id !== attempt.id.quest) throw new Error('scheduleExecution: attempt of another quest');
  if (activationToken.length < MIN_EXECUTION_TOKEN_BYTES) return { refused: 'short-token' };
  const moved = transitionAttempt(attempt, { type: 'execution-scheduled' }, nowMs);
  if (!('attempt' in moved)) return moved;
  const { timeouts } = quest.desc.meta;
  const id = { ...attempt.id, execution: moved.attempt.numExecutions };
  const deadlineAtMs = nowMs + timeouts.startSecs * 1000;
  const execution: Execution = {
    id,
    state: 'SCHEDULING',
    createdAtMs: nowMs,
    modifiedAtMs: nowMs,
    taskId: null,
    activationTokenHash: hashToken(activationToken),
    executionTokenHash: null,
    timeouts,
    deadlineAtMs,
    activatedAtMs: null,
    stoppingAtMs: null,
    endedAtMs: null,
    shouldHalt: false,
    pendingResult: null,
    abnormalFinish: null,
  };
  return {
    attempt: moved.attempt,
    execution,
    effects: [
      ...moved.effects,
      {
        type: 'create-task',
        execution: id,
        activationToken,
        distributorConfigName: quest.desc.distributorConfigName,
        distributorParameters: quest.desc.distributorParameters,
        asAccount: quest.desc.meta.asAccount,
        expirationSecs: timeouts.startSecs,
        executionTimeoutSecs: timeouts.runSecs,
        gracePeriodSecs: timeouts.stopSecs,
      },
      { type: 'schedule-deadline', execution: id, atMs: deadlineAtMs },
    ],
  };
}
