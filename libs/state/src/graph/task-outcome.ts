import type { TaskOutcome } from './graph-events';
import type { AbnormalFinish } from './graph-types';

/**
 * How an execution ends when its task ends (DESIGN.md §5): `finished` only for a COMPLETED task
 * (any exit code) whose payload called FinishAttempt or was told to halt; every other outcome is
 * an abnormal finish.
 */
export function executionEndFor(
  outcome: TaskOutcome,
  stopping: boolean,
): { readonly finished: true } | { readonly abnormalFinish: AbnormalFinish } {
  switch (outcome.state) {
    case 'COMPLETED':
      if (stopping) return { finished: true };
      return abnormal(
        'FAILED',
        `the task completed (exit code ${outcome.exitCode ?? 'none'}) without FinishAttempt or a halt`,
      );
    case 'BOT_DIED':
      return abnormal('CRASHED', 'the bot running the task died');
    case 'EXPIRED':
      return abnormal('EXPIRED', 'no bot took the task before it expired (timeouts.start)');
    case 'TIMED_OUT':
      return abnormal('TIMED_OUT', 'the task ran out of time (timeouts.run)');
    case 'CANCELED':
      return abnormal('CANCELLED', 'the task was cancelled');
    case 'KILLED':
      return abnormal('CANCELLED', 'the task was killed');
    case 'NO_RESOURCE':
      return abnormal('REJECTED', 'no bot can run the task');
    case 'CLIENT_ERROR':
      return abnormal('REJECTED', 'the bot could not run the task as given');
    case 'unknown-task':
      return abnormal('MISSING', 'the task system does not know the task');
  }
}

function abnormal(
  status: AbnormalFinish['status'],
  reason: string,
): { readonly abnormalFinish: AbnormalFinish } {
  return { abnormalFinish: { status, reason } };
}
