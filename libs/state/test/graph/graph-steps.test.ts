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
import { addDependenciesTx, ensureGraphTx } from '../../src/store/graph/graph-transactions';
import { ATTEMPT_ID, EXECUTION_TOKEN, QUEST, T0, attempt, attemptId } from './graph-fixtures';

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
    expect(viaSync).toEqual({ newQuests: [], newAttempts: [ATTEMPT_ID] });
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
