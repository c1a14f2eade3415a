import { dependencySatisfied } from './add-dependencies';
import { cancelled, dependencyFailed } from './attempt-transition';
import type { GraphEffect } from './graph-events';
import type { Attempt, AttemptId } from './graph-types';
import { attemptKey, compareAttemptIds } from './graph-types';
import { ZERO_RETRY_COUNTS } from './retry-policy';

const MAX_UINT32 = 0xffff_ffff;

/** Attempt numbers are uint32 ≥ 1 (the shell refuses others as INVALID_ARGUMENT). */
export function isAttemptNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_UINT32;
}

/**
 * A new attempt (EnsureGraphData), with nothing run yet; `needs` are the attempts it is declared
 * to depend on, as read (locked) in the same transaction — its forward deps from the start:
 *
 * - every need satisfied (dependencySatisfied: FINISHED with an unexpired result), none
 *   ABNORMAL_FINISHED → SCHEDULING + `schedule-execution`, as without needs;
 * - a need ABNORMAL_FINISHED → ABNORMAL_FINISHED at once (CANCELLED, naming the first such need
 *   by key) + `propagate-final`: its input will never come, so it never runs;
 * - otherwise WAITING on the unsatisfied needs (`waitingOn`), no execution; a FINISHED need
 *   whose result expired gets `rerun-expired`. The last `dependency-final` schedules it; an
 *   abnormal one cancels it (attempt-transition.ts).
 *
 * An attempt that exists is left as it is: the shell inserts only if absent (attempts dedupe by
 * id, like quests), and then ignores the needs.
 */
export function createAttempt(
  id: AttemptId,
  nowMs: number,
  needs: readonly Attempt[] = [],
): { readonly attempt: Attempt; readonly effects: readonly GraphEffect[] } {
  const byKey = new Map(needs.map((n) => [attemptKey(n.id), n]));
  const sorted = [...byKey.values()].sort((a, b) => compareAttemptIds(a.id, b.id));
  const waiting = sorted.filter((n) => !dependencySatisfied(n, nowMs));
  const attempt: Attempt = {
    id,
    state: waiting.length === 0 ? 'SCHEDULING' : 'WAITING',
    createdAtMs: nowMs,
    modifiedAtMs: nowMs,
    numExecutions: 0,
    retryCounts: ZERO_RETRY_COUNTS,
    fwdDeps: sorted.map((n) => n.id),
    waitingOn: waiting.map((n) => n.id),
    result: null,
    abnormalFinish: null,
  };
  const failed = sorted.find((n) => n.state === 'ABNORMAL_FINISHED');
  if (failed !== undefined) {
    const status = failed.abnormalFinish?.status ?? 'CANCELLED';
    return cancelled(attempt, dependencyFailed(failed.id, status));
  }
  const notify: GraphEffect = { type: 'notify', attempt: id };
  if (waiting.length === 0) {
    return { attempt, effects: [notify, { type: 'schedule-execution', attempt: id }] };
  }
  const reruns: GraphEffect[] = waiting
    .filter((n) => n.state === 'FINISHED')
    .map((n) => ({ type: 'rerun-expired', attempt: n.id }));
  return { attempt, effects: [notify, ...reruns] };
}
