// A new attempt and its declared needs (EnsureGraphData.needs, a pipeline's `needs:`): created
// SCHEDULING when every need is satisfied, WAITING on the rest, ABNORMAL_FINISHED at once when a
// need already ended abnormally; then woken, or cancelled in a cascade, by dependency-final.
import { describe, expect, it } from 'vitest';
import {
  createAttempt,
  transitionAttempt,
  type Attempt,
  type AttemptId,
  type GraphEffect,
} from '../../src/index';
import { T0, attempt, attemptId, deepFreeze, result } from './graph-fixtures';

const NOW = T0 + 60_000;
const ID = attemptId(1, 'N'.repeat(43));
const A = attemptId(1, 'A'.repeat(43));
const B = attemptId(1, 'B'.repeat(43));
const C = attemptId(2, 'B'.repeat(43));

const need = (id: AttemptId, overrides: Partial<Attempt>): Attempt =>
  deepFreeze(attempt({ id, ...overrides }));
const finished = (id: AttemptId, expiresAtMs: number | null = null) =>
  need(id, { state: 'FINISHED', numExecutions: 1, result: result('{"x":1}', expiresAtMs) });
const abnormal = (id: AttemptId, status: 'FAILED' | 'CANCELLED' = 'FAILED') =>
  need(id, {
    state: 'ABNORMAL_FINISHED',
    numExecutions: 1,
    abnormalFinish: { status, reason: 'for the test' },
  });

const notify: GraphEffect = { type: 'notify', attempt: ID };
const base = {
  id: ID,
  createdAtMs: NOW,
  modifiedAtMs: NOW,
  numExecutions: 0,
  retryCounts: { failed: 0, crashed: 0, expired: 0, timedOut: 0 },
  result: null,
  abnormalFinish: null,
};

describe('createAttempt', () => {
  it('creates a SCHEDULING attempt with nothing run when nothing is needed', () => {
    expect(createAttempt(ID, NOW)).toEqual({
      attempt: { ...base, state: 'SCHEDULING', fwdDeps: [], waitingOn: [] },
      effects: [notify, { type: 'schedule-execution', attempt: ID }],
    });
    expect(createAttempt(ID, NOW, [])).toEqual(createAttempt(ID, NOW));
  });

  it('schedules at once when every need finished with a result that has not expired', () => {
    const created = createAttempt(ID, NOW, [finished(B), finished(A, NOW + 1)]);
    expect(created).toEqual({
      attempt: { ...base, state: 'SCHEDULING', fwdDeps: [A, B], waitingOn: [] },
      effects: [notify, { type: 'schedule-execution', attempt: ID }],
    });
  });

  it('waits, with no execution, on every need that is not final', () => {
    for (const state of ['SCHEDULING', 'EXECUTING', 'WAITING'] as const) {
      const created = createAttempt(ID, NOW, [need(C, { state }), finished(A)]);
      expect(created).toEqual({
        attempt: { ...base, state: 'WAITING', fwdDeps: [A, C], waitingOn: [C] },
        effects: [notify],
      });
    }
  });

  it('waits on a need whose result expired and has it run again', () => {
    const created = createAttempt(ID, NOW, [finished(A, NOW), need(B, { state: 'EXECUTING' })]);
    expect(created).toEqual({
      attempt: { ...base, state: 'WAITING', fwdDeps: [A, B], waitingOn: [A, B] },
      effects: [notify, { type: 'rerun-expired', attempt: A }],
    });
  });

  it('ends at once, CANCELLED, when a need already ended abnormally, and tells its dependents', () => {
    const created = createAttempt(ID, NOW, [
      need(C, { state: 'EXECUTING' }),
      abnormal(B),
      finished(A, NOW),
    ]);
    expect(created).toEqual({
      attempt: {
        ...base,
        state: 'ABNORMAL_FINISHED',
        fwdDeps: [A, B, C],
        // Still not final: recorded as for any attempt, no re-run asked (it will never run).
        waitingOn: [A, C],
        abnormalFinish: {
          status: 'CANCELLED',
          reason: `dependency ${B.quest}:1 ended ABNORMAL_FINISHED (FAILED)`,
        },
      },
      effects: [notify, { type: 'propagate-final', attempt: ID, abnormal: 'CANCELLED' }],
    });
  });

  it('names the first abnormal need by key when several ended abnormally', () => {
    const created = createAttempt(ID, NOW, [abnormal(C, 'CANCELLED'), abnormal(B)]);
    expect(created.attempt.abnormalFinish?.reason).toBe(
      `dependency ${B.quest}:1 ended ABNORMAL_FINISHED (FAILED)`,
    );
  });

  it('counts a need given twice once, and sorts the needs', () => {
    const created = createAttempt(ID, NOW, [need(C, {}), need(B, {}), need(C, {}), finished(A)]);
    expect(created.attempt).toMatchObject({ fwdDeps: [A, B, C], waitingOn: [B, C] });
  });
});

describe('declared needs over time', () => {
  it('schedules the first execution when the last need finishes', () => {
    const waiting = createAttempt(ID, NOW, [need(A, {}), need(B, {})]).attempt;
    const one = transitionAttempt(waiting, { type: 'dependency-final', dependency: A }, NOW + 1);
    expect(one).toMatchObject({ attempt: { state: 'WAITING', waitingOn: [B] } });
    if (!('attempt' in one)) throw new Error('moved');
    const two = transitionAttempt(
      one.attempt,
      { type: 'dependency-final', dependency: B },
      NOW + 2,
    );
    expect(two).toEqual({
      attempt: { ...one.attempt, state: 'SCHEDULING', waitingOn: [], modifiedAtMs: NOW + 2 },
      effects: [notify, { type: 'schedule-execution', attempt: ID }],
    });
  });

  it('cancels a chain that never ran when its first attempt fails: A → B → C', () => {
    // B needs A, C needs B; A ends FAILED. Each propagate-final carries the status on.
    const b = createAttempt(B, NOW, [need(A, { state: 'EXECUTING' })]).attempt;
    const c = createAttempt(C, NOW, [b]).attempt;
    expect([b.state, c.state]).toEqual(['WAITING', 'WAITING']);
    const bMoved = transitionAttempt(
      b,
      { type: 'dependency-final', dependency: A, abnormal: 'FAILED' },
      NOW + 1,
    );
    if (!('attempt' in bMoved)) throw new Error('B must move');
    expect(bMoved.attempt).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      waitingOn: [],
      abnormalFinish: {
        status: 'CANCELLED',
        reason: `dependency ${A.quest}:1 ended ABNORMAL_FINISHED (FAILED)`,
      },
    });
    const propagate = bMoved.effects.find((e) => e.type === 'propagate-final');
    expect(propagate).toEqual({ type: 'propagate-final', attempt: B, abnormal: 'CANCELLED' });
    const cMoved = transitionAttempt(
      c,
      { type: 'dependency-final', dependency: B, abnormal: 'CANCELLED' },
      NOW + 2,
    );
    expect(cMoved).toMatchObject({
      attempt: {
        state: 'ABNORMAL_FINISHED',
        abnormalFinish: {
          status: 'CANCELLED',
          reason: `dependency ${B.quest}:1 ended ABNORMAL_FINISHED (CANCELLED)`,
        },
      },
      effects: [
        { type: 'notify', attempt: C },
        { type: 'propagate-final', attempt: C, abnormal: 'CANCELLED' },
      ],
    });
  });

  it('wakes an attempt that has run as for a result: its next execution decides', () => {
    const halted = attempt({ id: ID, state: 'WAITING', numExecutions: 1, waitingOn: [A] });
    const moved = transitionAttempt(
      deepFreeze(halted),
      { type: 'dependency-final', dependency: A, abnormal: 'FAILED' },
      NOW,
    );
    expect(moved).toMatchObject({ attempt: { state: 'SCHEDULING', abnormalFinish: null } });
  });
});
