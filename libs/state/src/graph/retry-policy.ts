import { isRetryableStatus, type AbnormalStatus, type RetryableStatus } from './graph-state';
import type { RetryCounters, RetryPolicy } from './graph-types';

export const ZERO_RETRY_COUNTS: RetryCounters = { failed: 0, crashed: 0, expired: 0, timedOut: 0 };

const COUNTER: Readonly<Record<RetryableStatus, keyof RetryPolicy>> = {
  FAILED: 'failed',
  CRASHED: 'crashed',
  EXPIRED: 'expired',
  TIMED_OUT: 'timedOut',
};

export type RetryDecision =
  { readonly retry: true; readonly retryCounts: RetryCounters } | { readonly retry: false };

/**
 * After an abnormal finish with `status` (DESIGN.md §5): retry while `counts[S] < policy[S]`, then
 * count it; `policy.failed = N` allows N re-executions in a row. CANCELLED, REJECTED, MISSING and
 * RESULT_MALFORMED never retry. A successful execution resets every counter (ZERO_RETRY_COUNTS).
 */
export function retryDecision(
  counts: RetryCounters,
  policy: RetryPolicy,
  status: AbnormalStatus,
): RetryDecision {
  if (!isRetryableStatus(status)) return { retry: false };
  const key = COUNTER[status];
  if (counts[key] >= policy[key]) return { retry: false };
  return { retry: true, retryCounts: { ...counts, [key]: counts[key] + 1 } };
}
