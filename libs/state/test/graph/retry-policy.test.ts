// Retry counters (DESIGN.md §5): per status, "in a row"; retry while counter[S] < retry[S], then
// count it; every counter reset by a successful execution; four statuses never retry.
import { describe, expect, it } from 'vitest';
import {
  ABNORMAL_STATUS_VALUES,
  RETRYABLE_STATUSES,
  ZERO_RETRY_COUNTS,
  retryDecision,
  transitionAttempt,
  type AbnormalStatus,
  type Attempt,
  type RetryPolicy,
} from '../../src/index';
import { T0, attempt } from './graph-fixtures';

const POLICY: RetryPolicy = { failed: 2, crashed: 1, expired: 3, timedOut: 0 };

describe('retryDecision', () => {
  const ROWS: readonly { status: AbnormalStatus; key: keyof RetryPolicy }[] = [
    { status: 'FAILED', key: 'failed' },
    { status: 'CRASHED', key: 'crashed' },
    { status: 'EXPIRED', key: 'expired' },
    { status: 'TIMED_OUT', key: 'timedOut' },
  ];
  for (const { status, key } of ROWS) {
    it(`allows exactly retry.${key} = ${POLICY[key]} re-executions after ${status} in a row`, () => {
      let counts = ZERO_RETRY_COUNTS;
      let retries = 0;
      for (;;) {
        const decision = retryDecision(counts, POLICY, status);
        if (!decision.retry) break;
        retries++;
        expect(decision.retryCounts).toEqual({ ...counts, [key]: counts[key] + 1 });
        counts = decision.retryCounts;
      }
      expect(retries).toBe(POLICY[key]);
      expect(counts[key]).toBe(POLICY[key]);
    });
  }

  it('counts each status on its own', () => {
    const counts = { failed: 2, crashed: 0, expired: 0, timedOut: 0 };
    expect(retryDecision(counts, POLICY, 'FAILED')).toEqual({ retry: false });
    expect(retryDecision(counts, POLICY, 'CRASHED')).toEqual({
      retry: true,
      retryCounts: { failed: 2, crashed: 1, expired: 0, timedOut: 0 },
    });
  });

  const NEVER = (Object.keys(ABNORMAL_STATUS_VALUES) as (keyof typeof ABNORMAL_STATUS_VALUES)[])
    .filter((s): s is AbnormalStatus => s !== 'INVALID')
    .filter((s) => !(RETRYABLE_STATUSES as readonly string[]).includes(s));
  it('names CANCELLED, REJECTED, MISSING and RESULT_MALFORMED as never retried', () => {
    expect(NEVER).toEqual(['CANCELLED', 'REJECTED', 'MISSING', 'RESULT_MALFORMED']);
  });
  for (const status of NEVER) {
    it(`never retries ${status}, whatever the policy`, () => {
      const generous = { failed: 99, crashed: 99, expired: 99, timedOut: 99 };
      expect(retryDecision(ZERO_RETRY_COUNTS, generous, status)).toEqual({ retry: false });
    });
  }
});

describe('retry counters through the attempt machine', () => {
  function run(attemptIn: Attempt, events: readonly ('FAILED' | 'CRASHED' | 'OK')[]): Attempt {
    let a = attemptIn;
    let nowMs = T0;
    for (const e of events) {
      nowMs += 1_000;
      const scheduled = transitionAttempt(a, { type: 'execution-scheduled' }, nowMs);
      if (!('attempt' in scheduled)) throw new Error(`not scheduled from ${a.state}`);
      a = scheduled.attempt;
      const outcome =
        e === 'OK'
          ? transitionAttempt(
              a,
              {
                type: 'execution-finished',
                execution: a.numExecutions,
                halted: true,
                result: null,
              },
              nowMs,
            )
          : transitionAttempt(
              a,
              {
                type: 'execution-abnormal',
                execution: a.numExecutions,
                abnormalFinish: { status: e, reason: '' },
                retry: POLICY,
              },
              nowMs,
            );
      if (!('attempt' in outcome)) throw new Error('ignored');
      a = outcome.attempt;
    }
    return a;
  }

  it('resets every counter when an execution finishes successfully', () => {
    // FAILED, FAILED would exhaust retry.failed = 2; a successful (halted) execution in between
    // starts the count again, so the attempt keeps going.
    const a = run(attempt(), ['FAILED', 'CRASHED', 'FAILED', 'OK', 'FAILED', 'FAILED']);
    expect(a.state).toBe('SCHEDULING');
    expect(a.retryCounts).toEqual({ failed: 2, crashed: 0, expired: 0, timedOut: 0 });
    expect(a.numExecutions).toBe(6);
  });

  it('finishes abnormally on the first failure past the policy', () => {
    const a = run(attempt(), ['FAILED', 'FAILED', 'FAILED']);
    expect(a).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      numExecutions: 3,
      abnormalFinish: { status: 'FAILED' },
    });
  });
});
