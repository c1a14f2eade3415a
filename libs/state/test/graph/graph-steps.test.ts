// The shared graph transactions as their drivers see them: which steps each yields, in which
// order, and how a sync and an async driver answer them. The store conformance suite runs the
// same transactions on real SQLite and PostgreSQL; this pins the step order those rely on.
import { describe, expect, it } from 'vitest';
import { settle } from '../../src/store/graph/graph-settle';
import {
  runAsync,
  runSync,
  type AsyncGraphSteps,
  type GraphStep,
  type GraphStepResults,
  type SyncGraphSteps,
} from '../../src/store/graph/graph-steps';
import {
  addDependenciesTx,
  ensureGraphTx,
  planAttempts,
} from '../../src/store/graph/graph-transactions';
import {
  attemptKey,
  compareAttemptIds,
  type Attempt,
  type AttemptId,
  type GraphRun,
  type Quest,
} from '../../src/index';
import {
  ATTEMPT_ID,
  EXECUTION_TOKEN,
  QUEST,
  T0,
  attempt,
  attemptId,
  quest,
  result,
} from './graph-fixtures';

/** Every step kind: the type checker refuses a kind left out. */
const KINDS: Record<keyof GraphStepResults, true> = {
  'read-quest': true,
  'read-attempt': true,
  'read-execution': true,
  'read-back-deps': true,
  'read-fwd-deps': true,
  'lock-edges': true,
  'insert-quest': true,
  'insert-attempt': true,
  'insert-execution': true,
  'insert-edge': true,
  'insert-run': true,
  'write-attempt': true,
  'write-execution': true,
};

type Answers = { [K in GraphStep['kind']]?: (s: Extract<GraphStep, { kind: K }>) => unknown };

/** A driver that records every step and answers from `answers` (undefined when not given). */
function recording(answers: Answers = {}): { steps: GraphStep[]; driver: SyncGraphSteps } {
  const steps: GraphStep[] = [];
  const handle = (s: GraphStep) => {
    steps.push(s);
    const answer = answers[s.kind] as ((s: GraphStep) => unknown) | undefined;
    return answer?.(s);
  };
  const driver = Object.fromEntries(
    Object.keys(KINDS).map((k) => [k, handle]),
  ) as unknown as SyncGraphSteps;
  return { steps, driver };
}

function asAsync(driver: SyncGraphSteps): AsyncGraphSteps {
  const table = driver as unknown as Record<string, (s: GraphStep) => unknown>;
  return Object.fromEntries(
    Object.entries(table).map(([k, run]) => [k, async (s: GraphStep) => run(s)]),
  ) as unknown as AsyncGraphSteps;
}

describe('graph transactions over a step driver', () => {
  it('stops at an attempt of an unknown quest before it inserts anything', () => {
    const { steps, driver } = recording();
    const unknown = attemptId(1, 'q-unknown');
    const outcome = runSync(ensureGraphTx([QUEST], [ATTEMPT_ID, unknown], T0), driver);
    expect(outcome).toEqual({ unknownQuest: 'q-unknown' });
    expect(steps).toEqual([{ kind: 'read-quest', id: 'q-unknown' }]);
  });

  it('reports as new only the rows whose insert created them, sync and async alike', async () => {
    const answers: Answers = { 'insert-quest': () => false, 'insert-attempt': () => true };
    const sync = recording(answers);
    const viaSync = runSync(ensureGraphTx([QUEST], [ATTEMPT_ID], T0), sync.driver);
    const async = recording(answers);
    const viaAsync = await runAsync(
      ensureGraphTx([QUEST], [ATTEMPT_ID], T0),
      asAsync(async.driver),
    );
    expect(viaSync).toEqual({
      newQuests: [],
      newAttempts: [ATTEMPT_ID],
      effects: [
        { type: 'notify', attempt: ATTEMPT_ID },
        { type: 'schedule-execution', attempt: ATTEMPT_ID },
      ],
    });
    expect(viaAsync).toEqual(viaSync);
    expect(async.steps).toEqual(sync.steps);
    expect(sync.steps.map((s) => s.kind)).toEqual(['insert-quest', 'insert-attempt']);
  });

  it('ends the transaction with the error a step throws (a lost race rolls back)', async () => {
    const lost = () => {
      throw new Error('changed under us');
    };
    const { driver } = recording({ 'insert-quest': lost });
    expect(() => runSync(ensureGraphTx([QUEST], [], T0), driver)).toThrow('changed under us');
    await expect(runAsync(ensureGraphTx([QUEST], [], T0), asAsync(driver))).rejects.toThrow(
      'changed under us',
    );
  });

  it('takes the edge lock, then locks the attempt, then its execution, before anything else', () => {
    const { steps, driver } = recording();
    const id = { ...ATTEMPT_ID, execution: 1 };
    const outcome = runSync(addDependenciesTx(id, EXECUTION_TOKEN, [attemptId(2)], T0), driver);
    expect(outcome).toEqual({ refused: 'not-found' });
    expect(steps).toEqual([
      { kind: 'lock-edges' },
      { kind: 'read-attempt', id: ATTEMPT_ID, lock: true },
      { kind: 'read-execution', id, lock: true },
    ]);
  });

  it('wakes each back dep of a final attempt, locking and writing it in the same transaction', () => {
    const dependency = attemptId(2);
    const waiting = attempt({ state: 'WAITING', fwdDeps: [dependency], waitingOn: [dependency] });
    const { steps, driver } = recording({
      'read-back-deps': () => [ATTEMPT_ID],
      'read-attempt': () => waiting,
    });
    const effects = runSync(settle([{ type: 'propagate-final', attempt: dependency }], T0), driver);
    expect(steps.map((s) => s.kind)).toEqual(['read-back-deps', 'read-attempt', 'write-attempt']);
    expect(steps[1]).toEqual({ kind: 'read-attempt', id: ATTEMPT_ID, lock: true });
    const written = steps[2] as Extract<GraphStep, { kind: 'write-attempt' }>;
    expect(written.before).toBe(waiting);
    expect(written.after.state).toBe('SCHEDULING');
    expect(effects.map((e) => e.type)).toEqual(['notify', 'schedule-execution']);
  });
});

/** An in-memory database behind a recording driver: enough rows for ensureGraph's needs. */
function memory(stored: readonly Attempt[] = [], quests: readonly Quest[] = []) {
  const attempts = new Map(stored.map((a) => [attemptKey(a.id), a]));
  const questRows = new Map(quests.map((q) => [q.id, q]));
  const edges: [AttemptId, AttemptId][] = [];
  const runs: GraphRun[] = [];
  const rec = recording({
    'read-quest': (s) => questRows.get(s.id),
    'read-attempt': (s) => attempts.get(attemptKey(s.id)),
    'read-back-deps': (s) =>
      edges.filter(([, to]) => attemptKey(to) === attemptKey(s.id)).map(([from]) => from),
    'insert-quest': (s) => {
      if (questRows.has(s.quest.id)) return false;
      questRows.set(s.quest.id, s.quest);
      return true;
    },
    'insert-attempt': (s) => {
      if (attempts.has(attemptKey(s.attempt.id))) return false;
      attempts.set(attemptKey(s.attempt.id), s.attempt);
      return true;
    },
    'insert-edge': (s) => {
      edges.push([s.from, s.to]);
    },
    'insert-run': (s) => {
      runs.push(s.run);
    },
    'write-attempt': (s) => {
      attempts.set(attemptKey(s.after.id), s.after);
    },
  });
  return { ...rec, attempts, edges, runs, get: (id: AttemptId) => attempts.get(attemptKey(id)) };
}

const QA = quest({ name: 'a', parameters: '{"step":"a"}' });
const QB = quest({ name: 'b', parameters: '{"step":"b"}' });
const QC = quest({ name: 'c', parameters: '{"step":"c"}' });
const A1 = attemptId(1, QA.id);
const B1 = attemptId(1, QB.id);
const C1 = attemptId(1, QC.id);

describe('ensureGraph with declared needs', () => {
  it('takes the edge lock first, creates needs before their dependents and records the edges', () => {
    const db = memory();
    const outcome = runSync(
      ensureGraphTx([QA, QB, QC], [C1, B1, A1], T0, {
        needs: [
          { attempt: C1, needs: [B1, A1] },
          { attempt: B1, needs: [A1] },
        ],
      }),
      db.driver,
    );
    expect(db.steps[0]).toEqual({ kind: 'lock-edges' });
    expect(db.steps.filter((s) => s.kind === 'insert-attempt').map((s) => s.attempt.id)).toEqual([
      A1,
      B1,
      C1,
    ]);
    expect(outcome).toEqual({
      newQuests: [QA.id, QB.id, QC.id],
      newAttempts: [A1, B1, C1],
      effects: [
        { type: 'notify', attempt: A1 },
        { type: 'schedule-execution', attempt: A1 },
        { type: 'notify', attempt: B1 },
        { type: 'notify', attempt: C1 },
      ],
    });
    expect(db.get(B1)).toMatchObject({ state: 'WAITING', fwdDeps: [A1], waitingOn: [A1] });
    expect(db.get(C1)).toMatchObject({
      state: 'WAITING',
      waitingOn: [A1, B1].sort(compareAttemptIds),
    });
    expect(db.edges).toHaveLength(3);
    // Every need's row is read locked before the attempt needing it is created.
    const reads = db.steps.filter((s) => s.kind === 'read-attempt');
    expect(reads.every((s) => s.lock)).toBe(true);
  });

  it('creates an attempt SCHEDULING when its stored need has a valid result', () => {
    const done = attempt({ id: A1, state: 'FINISHED', numExecutions: 1, result: result() });
    const db = memory([done], [QA]);
    const outcome = runSync(
      ensureGraphTx([QB], [B1], T0, { needs: [{ attempt: B1, needs: [A1] }] }),
      db.driver,
    );
    expect(outcome).toMatchObject({
      newAttempts: [B1],
      effects: [
        { type: 'notify', attempt: B1 },
        { type: 'schedule-execution', attempt: B1 },
      ],
    });
    expect(db.get(B1)).toMatchObject({ state: 'SCHEDULING', fwdDeps: [A1], waitingOn: [] });
  });

  it('re-runs a stored need whose result expired, in the same transaction', () => {
    const expired = attempt({
      id: A1,
      state: 'FINISHED',
      numExecutions: 1,
      result: result('{"old":1}', T0),
    });
    const db = memory([expired], [QA]);
    const outcome = runSync(
      ensureGraphTx([QB], [B1], T0, { needs: [{ attempt: B1, needs: [A1] }] }),
      db.driver,
    );
    expect(db.get(A1)).toMatchObject({ state: 'SCHEDULING', result: null });
    expect(db.get(B1)).toMatchObject({ state: 'WAITING', waitingOn: [A1] });
    expect(outcome).toMatchObject({
      effects: [
        { type: 'notify', attempt: B1 },
        { type: 'notify', attempt: A1 },
        { type: 'schedule-execution', attempt: A1 },
      ],
    });
  });

  it('cancels the new attempts at once when a stored need ended abnormally: B and C', () => {
    const failed = attempt({
      id: A1,
      state: 'ABNORMAL_FINISHED',
      numExecutions: 1,
      abnormalFinish: { status: 'FAILED', reason: 'exit 1' },
    });
    const db = memory([failed], [QA]);
    const outcome = runSync(
      ensureGraphTx([QB, QC], [B1, C1], T0, {
        needs: [
          { attempt: B1, needs: [A1] },
          { attempt: C1, needs: [B1] },
        ],
      }),
      db.driver,
    );
    expect(db.get(B1)).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      abnormalFinish: {
        status: 'CANCELLED',
        reason: `dependency ${A1.quest}:1 ended ABNORMAL_FINISHED (FAILED)`,
      },
    });
    expect(db.get(C1)).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      abnormalFinish: { reason: `dependency ${B1.quest}:1 ended ABNORMAL_FINISHED (CANCELLED)` },
    });
    expect(outcome).toMatchObject({
      newAttempts: [B1, C1],
      effects: [
        { type: 'notify', attempt: B1 },
        { type: 'notify', attempt: C1 },
      ],
    });
  });

  it('ignores the needs of an attempt that exists: no edge, no change', () => {
    const running = attempt({ id: B1, state: 'EXECUTING', numExecutions: 1 });
    const db = memory([running], [QA, QB]);
    const outcome = runSync(
      ensureGraphTx([QA], [A1, B1], T0, { needs: [{ attempt: B1, needs: [A1] }] }),
      db.driver,
    );
    expect(outcome).toMatchObject({ newAttempts: [A1] });
    expect(db.get(B1)).toBe(running);
    expect(db.edges).toEqual([]);
  });

  it('refuses a cycle among the needs before any step', () => {
    const db = memory();
    const outcome = runSync(
      ensureGraphTx([QA, QB, QC], [A1, B1, C1], T0, {
        needs: [
          { attempt: A1, needs: [C1] },
          { attempt: B1, needs: [A1] },
          { attempt: C1, needs: [B1] },
        ],
      }),
      db.driver,
    );
    expect(outcome).toEqual({ cycle: [A1, C1, B1, A1].map(attemptKey) });
    expect(db.steps).toEqual([]);
  });

  it('refuses a need neither stored nor in the call, naming it, before it writes', () => {
    const db = memory([], [QA]);
    const outcome = runSync(
      ensureGraphTx([QB, QC], [B1, C1], T0, {
        needs: [
          { attempt: B1, needs: [C1] },
          { attempt: C1, needs: [attemptId(2, QA.id)] },
        ],
      }),
      db.driver,
    );
    expect(outcome).toEqual({ unknownNeed: { index: 1, need: 0 } });
    expect(db.steps.map((s) => s.kind)).toEqual(['lock-edges', 'read-attempt']);
  });

  it('records the run in the same transaction, after the attempts', () => {
    const run: GraphRun = {
      id: 'run-abcdefghijklmnop',
      name: 'diamond',
      createdAtMs: T0,
      user: 'user:someone@example.com',
      pools: ['ci'],
      steps: [{ name: 'a', attempt: A1, needs: [] }],
    };
    const db = memory();
    runSync(ensureGraphTx([QA], [A1], T0, { run }), db.driver);
    expect(db.steps.map((s) => s.kind)).toEqual(['insert-quest', 'insert-attempt', 'insert-run']);
    expect(db.runs).toEqual([run]);
  });
});

describe('planAttempts', () => {
  const X = attemptId(1, 'X');
  const Y = attemptId(1, 'Y');
  const Z = attemptId(1, 'Z');

  it('keeps the call order when nothing is needed, each attempt once', () => {
    expect(planAttempts([Y, X, Y], [])).toEqual({
      order: [Y, X],
      needsOf: new Map(),
      inCall: new Set(['Y:1', 'X:1']),
      declared: false,
    });
  });

  it('puts each need before the attempts needing it (a diamond)', () => {
    const plan = planAttempts(
      [Z, Y, X, attemptId(1, 'W')],
      [
        { attempt: Z, needs: [Y, X] },
        { attempt: Y, needs: [attemptId(1, 'W')] },
        { attempt: X, needs: [attemptId(1, 'W')] },
      ],
    );
    expect('order' in plan && plan.order.map(attemptKey)).toEqual(['W:1', 'Y:1', 'X:1', 'Z:1']);
  });

  it('merges needs given twice for one attempt and leaves out those of attempts not in the call', () => {
    const plan = planAttempts(
      [X, Y],
      [
        { attempt: X, needs: [Y] },
        { attempt: X, needs: [Y, Z] },
        { attempt: Z, needs: [X] },
      ],
    );
    expect(plan).toMatchObject({ order: [Y, X], needsOf: new Map([['X:1', [Y, Z]]]) });
  });

  it('finds a self-need and a longer cycle, from → … → from', () => {
    expect(planAttempts([X], [{ attempt: X, needs: [X] }])).toEqual({ cycle: ['X:1', 'X:1'] });
    expect(
      planAttempts(
        [X, Y, Z],
        [
          { attempt: X, needs: [Y] },
          { attempt: Y, needs: [Z] },
          { attempt: Z, needs: [Y] },
        ],
      ),
    ).toEqual({ cycle: ['Y:1', 'Z:1', 'Y:1'] });
  });
});
