import type { GraphEffect } from './graph-events';
import type { Attempt, AttemptId } from './graph-types';
import { ZERO_RETRY_COUNTS } from './retry-policy';

const MAX_UINT32 = 0xffff_ffff;

/** Attempt numbers are uint32 ≥ 1 (the shell refuses others as INVALID_ARGUMENT). */
export function isAttemptNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_UINT32;
}

/**
 * A new attempt (EnsureGraphData): SCHEDULING, with nothing run yet. An attempt that exists is
 * left as it is: the shell inserts only if absent (attempts dedupe by id, like quests).
 */
export function createAttempt(
  id: AttemptId,
  nowMs: number,
): { readonly attempt: Attempt; readonly effects: readonly GraphEffect[] } {
  return {
    attempt: {
      id,
      state: 'SCHEDULING',
      createdAtMs: nowMs,
      modifiedAtMs: nowMs,
      numExecutions: 0,
      retryCounts: ZERO_RETRY_COUNTS,
      fwdDeps: [],
      waitingOn: [],
      result: null,
      abnormalFinish: null,
    },
    effects: [
      { type: 'notify', attempt: id },
      { type: 'schedule-execution', attempt: id },
    ],
  };
}
