// The attempt state machine (DESIGN.md §5) as one table: every (state, event) pair, illegal ones
// included. Executions other than the current one and events for a final attempt are ignored.
import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_STATE_VALUES,
  transitionAttempt,
  type AbnormalFinish,
  type Attempt,
  type AttemptEvent,
  type AttemptEventType,
  type GraphEffect,
  type GraphIgnored,
  type GraphRefusal,
  type RetryPolicy,
} from '../../src/index';
import { ATTEMPT_ID, T0, attempt, attemptId, deepFreeze, result } from './graph-fixtures';

const NOW = T0 + 60_000;
const D1 = attemptId(1, 'D'.repeat(43));
const D2 = attemptId(2, 'D'.repeat(43));
const D3 = attemptId(3, 'D'.repeat(43));
const RESULT = result('{"answer":42}');
const VALID_RESULT = result('{"old":true}', NOW + 1);
const EXPIRED_RESULT = result('{"old":true}', NOW);
const POLICY: RetryPolicy = { failed: 2, crashed: 1, expired: 0, timedOut: 0 };
const ZERO = { failed: 0, crashed: 0, expired: 0, timedOut: 0 };
/** One failure in a row so far. */
const COUNTS = { ...ZERO, failed: 1 };

const FIXTURES = {
  'SCHEDULING (new)': attempt(),
  'SCHEDULING (after execution 1)': attempt({ numExecutions: 1, retryCounts: COUNTS }),
  EXECUTING: attempt({ state: 'EXECUTING', numExecutions: 2, retryCounts: COUNTS }),
  'EXECUTING (halted on D1)': attempt({
    state: 'EXECUTING',
    numExecutions: 2,
    retryCounts: COUNTS,
    fwdDeps: [D1, D2],
    waitingOn: [D1],
  }),
  'WAITING (on D1)': attempt({
    state: 'WAITING',
    numExecutions: 2,
    fwdDeps: [D1, D2],
    waitingOn: [D1],
  }),
  'WAITING (on D1 and D2)': attempt({
    state: 'WAITING',
    numExecutions: 2,
    fwdDeps: [D1, D2],
    waitingOn: [D1, D2],
  }),
  // Created on declared needs: no execution yet.
  'WAITING (never ran, on D1)': attempt({
    state: 'WAITING',
    fwdDeps: [D1, D2],
    waitingOn: [D1],
  }),
  'WAITING (never ran, on D1 and D2)': attempt({
    state: 'WAITING',
    fwdDeps: [D1, D2],
    waitingOn: [D1, D2],
  }),
  'FINISHED (result valid)': attempt({ state: 'FINISHED', numExecutions: 2, result: VALID_RESULT }),
  'FINISHED (result expired)': attempt({
    state: 'FINISHED',
    numExecutions: 2,
    result: EXPIRED_RESULT,
  }),
  ABNORMAL_FINISHED: attempt({
    state: 'ABNORMAL_FINISHED',
    numExecutions: 2,
    abnormalFinish: { status: 'CANCELLED', reason: 'the task was cancelled' },
  }),
} as const satisfies Record<string, Attempt>;

type FixtureName = keyof typeof FIXTURES;

type Expectation =
  | { readonly refused: GraphRefusal }
  | { readonly ignored: GraphIgnored }
  | { readonly changes: Partial<Attempt>; readonly effects: readonly GraphEffect[] };

interface EventCase {
  readonly name: string;
  readonly event: AttemptEvent;
  readonly expect: Readonly<Record<FixtureName, Expectation>>;
}

const notify: GraphEffect = { type: 'notify', attempt: ATTEMPT_ID };
const scheduleEffects: readonly GraphEffect[] = [
  notify,
  { type: 'schedule-execution', attempt: ATTEMPT_ID },
];
const finalEffects: readonly GraphEffect[] = [
  notify,
  { type: 'propagate-final', attempt: ATTEMPT_ID },
];
const abnormalEffects = (status: AbnormalFinish['status']): readonly GraphEffect[] => [
  notify,
  { type: 'propagate-final', attempt: ATTEMPT_ID, abnormal: status },
];
const refused = (r: GraphRefusal): Expectation => ({ refused: r });
const ignored = (r: GraphIgnored): Expectation => ({ ignored: r });

/** The rows every event shares: waiting and final attempts ignore ends of executions. */
function ends(
  rows: Pick<Record<FixtureName, Expectation>, 'EXECUTING' | 'EXECUTING (halted on D1)'>,
) {
  return {
    'SCHEDULING (new)': ignored('stale-execution'),
    'SCHEDULING (after execution 1)': ignored('stale-execution'),
    ...rows,
    'WAITING (on D1)': ignored('stale-execution'),
    'WAITING (on D1 and D2)': ignored('stale-execution'),
    'WAITING (never ran, on D1)': ignored('stale-execution'),
    'WAITING (never ran, on D1 and D2)': ignored('stale-execution'),
    'FINISHED (result valid)': ignored('final'),
    'FINISHED (result expired)': ignored('final'),
    ABNORMAL_FINISHED: ignored('final'),
  };
}

const scheduled = (changes: Partial<Attempt>): Expectation => ({
  changes: { state: 'SCHEDULING', modifiedAtMs: NOW, ...changes },
  effects: scheduleEffects,
});
const waiting = (changes: Partial<Attempt>): Expectation => ({
  changes: { state: 'WAITING', modifiedAtMs: NOW, ...changes },
  effects: [notify],
});
const abnormallyFinished = (
  abnormalFinish: AbnormalFinish,
  changes: Partial<Attempt> = {},
): Expectation => ({
  changes: { state: 'ABNORMAL_FINISHED', abnormalFinish, modifiedAtMs: NOW, ...changes },
  effects: abnormalEffects(abnormalFinish.status),
});
/** What an attempt that never ran becomes when D1 ends abnormally. */
const D1_FAILED: AbnormalFinish = {
  status: 'CANCELLED',
  reason: `dependency ${D1.quest}:1 ended ABNORMAL_FINISHED (FAILED)`,
};

function abnormalEvent(execution: number, status: AbnormalFinish['status']): AttemptEvent {
  return {
    type: 'execution-abnormal',
    execution,
    abnormalFinish: { status, reason: `${status.toLowerCase()} for the test` },
    retry: POLICY,
  };
}

const EVENTS: readonly EventCase[] = [
  {
    name: 'execution-scheduled',
    event: { type: 'execution-scheduled' },
    expect: {
      'SCHEDULING (new)': {
        changes: { state: 'EXECUTING', numExecutions: 1, modifiedAtMs: NOW },
        effects: [notify],
      },
      'SCHEDULING (after execution 1)': {
        changes: { state: 'EXECUTING', numExecutions: 2, modifiedAtMs: NOW },
        effects: [notify],
      },
      EXECUTING: refused('not-scheduling'),
      'EXECUTING (halted on D1)': refused('not-scheduling'),
      'WAITING (on D1)': refused('not-scheduling'),
      'WAITING (on D1 and D2)': refused('not-scheduling'),
      'WAITING (never ran, on D1)': refused('not-scheduling'),
      'WAITING (never ran, on D1 and D2)': refused('not-scheduling'),
      'FINISHED (result valid)': refused('not-scheduling'),
      'FINISHED (result expired)': refused('not-scheduling'),
      ABNORMAL_FINISHED: refused('not-scheduling'),
    },
  },
  {
    name: 'the current execution finishing with a result',
    event: { type: 'execution-finished', execution: 2, halted: false, result: RESULT },
    expect: ends({
      EXECUTING: {
        changes: { state: 'FINISHED', result: RESULT, retryCounts: ZERO, modifiedAtMs: NOW },
        effects: finalEffects,
      },
      // Unreachable (a halted execution cannot FinishAttempt); recorded all the same.
      'EXECUTING (halted on D1)': {
        changes: { state: 'FINISHED', result: RESULT, retryCounts: ZERO, modifiedAtMs: NOW },
        effects: finalEffects,
      },
    }),
  },
  {
    name: 'the current execution finishing halted',
    event: { type: 'execution-finished', execution: 2, halted: true, result: null },
    expect: ends({
      // Every dependency finished while the execution was stopping: no wait at all.
      EXECUTING: scheduled({ retryCounts: ZERO }),
      'EXECUTING (halted on D1)': waiting({ retryCounts: ZERO }),
    }),
  },
  {
    name: 'an old execution finishing',
    event: { type: 'execution-finished', execution: 1, halted: false, result: RESULT },
    expect: ends({
      EXECUTING: ignored('stale-execution'),
      'EXECUTING (halted on D1)': ignored('stale-execution'),
    }),
  },
  {
    name: 'the current execution FAILED again (1 of 2 retries used)',
    event: abnormalEvent(2, 'FAILED'),
    expect: ends({
      EXECUTING: scheduled({ retryCounts: { ...ZERO, failed: 2 } }),
      'EXECUTING (halted on D1)': waiting({ retryCounts: { ...ZERO, failed: 2 } }),
    }),
  },
  {
    name: 'the current execution CRASHED (0 of 1 retries used)',
    event: abnormalEvent(2, 'CRASHED'),
    expect: ends({
      EXECUTING: scheduled({ retryCounts: { ...COUNTS, crashed: 1 } }),
      'EXECUTING (halted on D1)': waiting({ retryCounts: { ...COUNTS, crashed: 1 } }),
    }),
  },
  {
    name: 'the current execution EXPIRED (no retries allowed)',
    event: abnormalEvent(2, 'EXPIRED'),
    expect: ends({
      EXECUTING: abnormallyFinished({ status: 'EXPIRED', reason: 'expired for the test' }),
      'EXECUTING (halted on D1)': abnormallyFinished({
        status: 'EXPIRED',
        reason: 'expired for the test',
      }),
    }),
  },
  {
    name: 'the current execution CANCELLED (never retried)',
    event: abnormalEvent(2, 'CANCELLED'),
    expect: ends({
      EXECUTING: abnormallyFinished({ status: 'CANCELLED', reason: 'cancelled for the test' }),
      'EXECUTING (halted on D1)': abnormallyFinished({
        status: 'CANCELLED',
        reason: 'cancelled for the test',
      }),
    }),
  },
  {
    name: 'an old execution FAILED',
    event: abnormalEvent(1, 'FAILED'),
    expect: ends({
      EXECUTING: ignored('stale-execution'),
      'EXECUTING (halted on D1)': ignored('stale-execution'),
    }),
  },
  {
    name: 'dependency D1 becoming final',
    event: { type: 'dependency-final', dependency: D1 },
    expect: {
      'SCHEDULING (new)': ignored('not-waiting-on'),
      'SCHEDULING (after execution 1)': ignored('not-waiting-on'),
      EXECUTING: ignored('not-waiting-on'),
      // The halted execution is still stopping: its end schedules the next one.
      'EXECUTING (halted on D1)': {
        changes: { waitingOn: [], modifiedAtMs: NOW },
        effects: [notify],
      },
      'WAITING (on D1)': scheduled({ waitingOn: [] }),
      'WAITING (on D1 and D2)': {
        changes: { waitingOn: [D2], modifiedAtMs: NOW },
        effects: [notify],
      },
      // Its first execution, at last.
      'WAITING (never ran, on D1)': scheduled({ waitingOn: [] }),
      'WAITING (never ran, on D1 and D2)': {
        changes: { waitingOn: [D2], modifiedAtMs: NOW },
        effects: [notify],
      },
      'FINISHED (result valid)': ignored('final'),
      'FINISHED (result expired)': ignored('final'),
      ABNORMAL_FINISHED: ignored('final'),
    },
  },
  {
    name: 'dependency D1 ending abnormally (FAILED)',
    event: { type: 'dependency-final', dependency: D1, abnormal: 'FAILED' },
    expect: {
      'SCHEDULING (new)': ignored('not-waiting-on'),
      'SCHEDULING (after execution 1)': ignored('not-waiting-on'),
      EXECUTING: ignored('not-waiting-on'),
      // An attempt that has run is woken as for a result: its next execution decides.
      'EXECUTING (halted on D1)': {
        changes: { waitingOn: [], modifiedAtMs: NOW },
        effects: [notify],
      },
      'WAITING (on D1)': scheduled({ waitingOn: [] }),
      'WAITING (on D1 and D2)': {
        changes: { waitingOn: [D2], modifiedAtMs: NOW },
        effects: [notify],
      },
      // Never ran: its input will never come, so it ends, and tells its own dependents.
      'WAITING (never ran, on D1)': abnormallyFinished(D1_FAILED, { waitingOn: [] }),
      'WAITING (never ran, on D1 and D2)': abnormallyFinished(D1_FAILED, { waitingOn: [D2] }),
      'FINISHED (result valid)': ignored('final'),
      'FINISHED (result expired)': ignored('final'),
      ABNORMAL_FINISHED: ignored('final'),
    },
  },
  {
    name: 'an attempt not waited on becoming final',
    event: { type: 'dependency-final', dependency: D3 },
    expect: {
      'SCHEDULING (new)': ignored('not-waiting-on'),
      'SCHEDULING (after execution 1)': ignored('not-waiting-on'),
      EXECUTING: ignored('not-waiting-on'),
      'EXECUTING (halted on D1)': ignored('not-waiting-on'),
      'WAITING (on D1)': ignored('not-waiting-on'),
      'WAITING (on D1 and D2)': ignored('not-waiting-on'),
      'WAITING (never ran, on D1)': ignored('not-waiting-on'),
      'WAITING (never ran, on D1 and D2)': ignored('not-waiting-on'),
      'FINISHED (result valid)': ignored('final'),
      'FINISHED (result expired)': ignored('final'),
      ABNORMAL_FINISHED: ignored('final'),
    },
  },
  {
    name: 'an attempt not waited on ending abnormally',
    event: { type: 'dependency-final', dependency: D3, abnormal: 'CRASHED' },
    expect: {
      'SCHEDULING (new)': ignored('not-waiting-on'),
      'SCHEDULING (after execution 1)': ignored('not-waiting-on'),
      EXECUTING: ignored('not-waiting-on'),
      'EXECUTING (halted on D1)': ignored('not-waiting-on'),
      'WAITING (on D1)': ignored('not-waiting-on'),
      'WAITING (on D1 and D2)': ignored('not-waiting-on'),
      'WAITING (never ran, on D1)': ignored('not-waiting-on'),
      'WAITING (never ran, on D1 and D2)': ignored('not-waiting-on'),
      'FINISHED (result valid)': ignored('final'),
      'FINISHED (result expired)': ignored('final'),
      ABNORMAL_FINISHED: ignored('final'),
    },
  },
  {
    name: 'a new dependency needing the result',
    event: { type: 'result-needed' },
    expect: {
      'SCHEDULING (new)': ignored('not-finished'),
      'SCHEDULING (after execution 1)': ignored('not-finished'),
      EXECUTING: ignored('not-finished'),
      'EXECUTING (halted on D1)': ignored('not-finished'),
      'WAITING (on D1)': ignored('not-finished'),
      'WAITING (on D1 and D2)': ignored('not-finished'),
      'WAITING (never ran, on D1)': ignored('not-finished'),
      'WAITING (never ran, on D1 and D2)': ignored('not-finished'),
      'FINISHED (result valid)': ignored('result-valid'),
      'FINISHED (result expired)': scheduled({ result: null, retryCounts: ZERO }),
      ABNORMAL_FINISHED: ignored('final'),
    },
  },
];

function title(c: EventCase, e: Expectation): string {
  if ('refused' in e) return `refuses ${c.name} (${e.refused})`;
  if ('ignored' in e) return `ignores ${c.name} (${e.ignored})`;
  if (e.changes.state !== undefined) return `becomes ${e.changes.state} on ${c.name}`;
  return `records ${c.name}`;
}

describe('transitionAttempt', () => {
  for (const [name, fixture] of Object.entries(FIXTURES) as [FixtureName, Attempt][]) {
    describe(`from ${name}`, () => {
      for (const c of EVENTS) {
        const expectation = c.expect[name];
        it(title(c, expectation), () => {
          const input = deepFreeze(fixture);
          const outcome = transitionAttempt(input, c.event, NOW);
          if ('refused' in expectation || 'ignored' in expectation) {
            expect(outcome).toEqual(expectation);
            return;
          }
          expect(outcome).toEqual({
            attempt: { ...input, ...expectation.changes },
            effects: expectation.effects,
          });
        });
      }
    });
  }

  it('covers every state and every event type', () => {
    const covered = new Set(Object.values(FIXTURES).map((f) => f.state));
    expect([...covered].sort()).toEqual(Object.keys(ATTEMPT_STATE_VALUES).sort());
    const eventTypes: readonly AttemptEventType[] = [
      'execution-scheduled',
      'execution-finished',
      'execution-abnormal',
      'dependency-final',
      'result-needed',
    ];
    expect(new Set(EVENTS.map((c) => c.event.type))).toEqual(new Set(eventTypes));
  });
});
