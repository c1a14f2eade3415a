// Dependencies and whole lifecycles through the pure core, as the shell would drive it: each
// step is one store transaction (the shell's conditional writes are not modelled here).
import { describe, expect, it } from 'vitest';
import {
  addDependencies,
  applyExecutionEvent,
  createAttempt,
  dependencySatisfied,
  scheduleExecution,
  transitionAttempt,
  type Attempt,
  type Execution,
  type ExecutionEvent,
  type GraphEffect,
  type Quest,
} from '../../src/index';
import {
  ACTIVATION_TOKEN,
  EXECUTION_TOKEN,
  OTHER_TOKEN,
  QUEST,
  T0,
  attempt,
  attemptId,
  execution,
  quest,
  result,
} from './graph-fixtures';

const NOW = T0 + 60_000;

/** A RUNNING execution 1 of an EXECUTING attempt `n` of QUEST. */
function running(n = 1): { attempt: Attempt; execution: Execution } {
  const a = attempt({ id: attemptId(n), state: 'EXECUTING', numExecutions: 1 });
  const e = execution({ id: { ...a.id, execution: 1 } });
  const activated = applyExecutionEvent(QUEST, a, e, activate, T0 + 1_000);
  if (!('attempt' in activated)) throw new Error('not activated');
  return activated;
}

const activate: ExecutionEvent = {
  type: 'activate',
  activationToken: ACTIVATION_TOKEN,
  executionToken: EXECUTION_TOKEN,
};

const OTHER_QUEST = quest({ parameters: '{"other":true}' });
const dep = (n: number, overrides: Partial<Attempt>): Attempt =>
  attempt({ id: attemptId(n, OTHER_QUEST.id), ...overrides });

describe('dependencySatisfied', () => {
  it('counts FINISHED with a live result and ABNORMAL_FINISHED as final', () => {
    expect(dependencySatisfied(dep(1, { state: 'FINISHED', result: result() }), NOW)).toBe(true);
    expect(dependencySatisfied(dep(1, { state: 'ABNORMAL_FINISHED' }), NOW)).toBe(true);
  });
  it('does not count an expired result or an unfinished attempt', () => {
    const expired = dep(1, { state: 'FINISHED', result: result('{}', NOW) });
    expect(dependencySatisfied(expired, NOW)).toBe(false);
    for (const state of ['SCHEDULING', 'EXECUTING', 'WAITING'] as const) {
      expect(dependencySatisfied(dep(1, { state }), NOW)).toBe(false);
    }
  });
});

describe('addDependencies', () => {
  it('refuses a caller without the execution token', () => {
    const { attempt: a, execution: e } = running();
    expect(
      addDependencies({ attempt: a, execution: e, token: OTHER_TOKEN, dependencies: [] }, NOW),
    ).toEqual({ refused: 'bad-token' });
  });

  it('refuses an execution not yet activated', () => {
    const a = attempt({ state: 'EXECUTING', numExecutions: 1 });
    const outcome = addDependencies(
      { attempt: a, execution: execution(), token: EXECUTION_TOKEN, dependencies: [] },
      NOW,
    );
    expect(outcome).toEqual({ refused: 'bad-token' });
  });

  it('refuses an execution that is not its attempt’s current one', () => {
    const { attempt: a, execution: e } = running();
    const later = { ...a, numExecutions: 2 };
    expect(
      addDependencies(
        { attempt: later, execution: e, token: EXECUTION_TOKEN, dependencies: [] },
        NOW,
      ),
    ).toEqual({ refused: 'stale-execution' });
  });

  it('refuses an edge to its own attempt as a cycle', () => {
    const { attempt: a, execution: e } = running();
    expect(
      addDependencies({ attempt: a, execution: e, token: EXECUTION_TOKEN, dependencies: [a] }, NOW),
    ).toEqual({ refused: 'cycle' });
  });

  it('does not halt when every dependency is final, abnormal ones included', () => {
    const { attempt: a, execution: e } = running();
    const d1 = dep(1, { state: 'FINISHED', result: result() });
    const d2 = dep(2, { state: 'ABNORMAL_FINISHED' });
    const outcome = addDependencies(
      { attempt: a, execution: e, token: EXECUTION_TOKEN, dependencies: [d2, d1, d2] },
      NOW,
    );
    expect(outcome).toEqual({
      attempt: { ...a, fwdDeps: [d1.id, d2.id], modifiedAtMs: NOW },
      execution: e,
      shouldHalt: false,
      newEdges: [d1.id, d2.id],
      effects: [],
    });
  });

  it('halts the execution when a dependency is unfinished', () => {
    const { attempt: a, execution: e } = running();
    const d1 = dep(1, { state: 'FINISHED', result: result() });
    const d2 = dep(2, { state: 'EXECUTING', numExecutions: 1 });
    const outcome = addDependencies(
      { attempt: a, execution: e, token: EXECUTION_TOKEN, dependencies: [d1, d2] },
      NOW,
    );
    expect(outcome).toMatchObject({
      attempt: { fwdDeps: [d1.id, d2.id], waitingOn: [d2.id] },
      execution: { state: 'STOPPING', shouldHalt: true, deadlineAtMs: NOW + 30_000 },
      shouldHalt: true,
      newEdges: [d1.id, d2.id],
    });
  });

  it('waits on a dependency whose result expired and asks to run it again', () => {
    const { attempt: a, execution: e } = running();
    const stale = dep(1, { state: 'FINISHED', result: result('{}', NOW) });
    const outcome = addDependencies(
      { attempt: a, execution: e, token: EXECUTION_TOKEN, dependencies: [stale] },
      NOW,
    );
    if (!('attempt' in outcome)) throw new Error(outcome.refused);
    expect(outcome.shouldHalt).toBe(true);
    expect(outcome.attempt.waitingOn).toEqual([stale.id]);
    expect(outcome.effects[0]).toEqual({ type: 'rerun-expired', attempt: stale.id });
    // The shell applies result-needed to the dependency in the same transaction.
    expect(transitionAttempt(stale, { type: 'result-needed' }, NOW)).toMatchObject({
      attempt: { state: 'SCHEDULING', result: null },
    });
  });

  it('records no new edge when the dependencies are asked again', () => {
    const { attempt: a, execution: e } = running();
    const d1 = dep(1, { state: 'FINISHED', result: result() });
    const again = addDependencies(
      {
        attempt: { ...a, fwdDeps: [d1.id] },
        execution: e,
        token: EXECUTION_TOKEN,
        dependencies: [d1],
      },
      NOW,
    );
    expect(again).toMatchObject({ shouldHalt: false, newEdges: [], attempt: { fwdDeps: [d1.id] } });
  });
});

/** Drives one attempt through the core, applying in-transaction effects by hand. */
class Driver {
  attempt: Attempt;
  execution: Execution | undefined;
  effects: GraphEffect[] = [];

  constructor(
    readonly quest: Quest,
    n: number,
    private nowMs: number,
  ) {
    const created = createAttempt({ quest: quest.id, attempt: n }, nowMs);
    this.attempt = created.attempt;
    this.effects.push(...created.effects);
    this.schedule();
  }

  tick(ms = 1_000): number {
    this.nowMs += ms;
    return this.nowMs;
  }

  schedule(): void {
    const outcome = scheduleExecution(this.quest, this.attempt, ACTIVATION_TOKEN, this.tick());
    if (!('attempt' in outcome)) throw new Error('not scheduled');
    this.attempt = outcome.attempt;
    this.execution = outcome.execution;
    this.effects.push(...outcome.effects);
    this.send({ type: 'task-created', taskId: `task-${this.execution.id.execution}` });
  }

  send(event: ExecutionEvent, nowMs = this.tick()): ReturnType<typeof applyExecutionEvent> {
    const outcome = applyExecutionEvent(this.quest, this.attempt, this.execution!, event, nowMs);
    if ('attempt' in outcome) {
      this.attempt = outcome.attempt;
      this.execution = outcome.execution;
      this.effects.push(...outcome.effects);
      if (outcome.effects.some((e) => e.type === 'schedule-execution')) this.schedule();
    }
    return outcome;
  }

  dependOn(deps: readonly Attempt[]): boolean {
    const outcome = addDependencies(
      {
        attempt: this.attempt,
        execution: this.execution!,
        token: EXECUTION_TOKEN,
        dependencies: deps,
      },
      this.tick(),
    );
    if (!('attempt' in outcome)) throw new Error(outcome.refused);
    this.attempt = outcome.attempt;
    this.execution = outcome.execution;
    return outcome.shouldHalt;
  }

  dependencyFinal(d: Attempt): void {
    const outcome = transitionAttempt(
      this.attempt,
      { type: 'dependency-final', dependency: d.id },
      this.tick(),
    );
    if (!('attempt' in outcome)) return;
    this.attempt = outcome.attempt;
    if (outcome.effects.some((e) => e.type === 'schedule-execution')) this.schedule();
  }
}

describe('lifecycles', () => {
  it('runs a payload that finishes: SCHEDULING → EXECUTING → FINISHED with its result', () => {
    const a = new Driver(QUEST, 1, T0);
    expect(a.attempt).toMatchObject({ state: 'EXECUTING', numExecutions: 1 });
    expect(a.effects).toContainEqual(
      expect.objectContaining({
        type: 'create-task',
        expirationSecs: 600,
        executionTimeoutSecs: 3600,
        gracePeriodSecs: 30,
        distributorParameters: QUEST.desc.distributorParameters,
      }),
    );
    a.send(activate);
    a.send({ type: 'finish-attempt', token: EXECUTION_TOKEN, result: result('{"n":1}') });
    expect(a.attempt.state).toBe('EXECUTING');
    a.send({ type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } });
    expect(a.attempt).toMatchObject({ state: 'FINISHED', result: { object: '{"n":1}' } });
    expect(a.execution!.state).toBe('FINISHED');
    expect(a.effects).toContainEqual({ type: 'propagate-final', attempt: a.attempt.id });
  });

  it('fails a payload that exits without FinishAttempt, and retries it per policy', () => {
    const a = new Driver(QUEST, 1, T0); // retry.failed = 2
    for (let i = 1; i <= 3; i++) {
      a.send(activate);
      a.send({ type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } });
    }
    expect(a.attempt).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      numExecutions: 3,
      abnormalFinish: { status: 'FAILED' },
    });
  });

  it('kills a payload that activates and then hangs past timeouts.run, and ignores its late end', () => {
    const q = quest({ meta: { retry: {}, timeouts: { run: 60 } } });
    const a = new Driver(q, 1, T0);
    a.send(activate);
    const deadline = a.execution!.deadlineAtMs!;
    expect(a.send({ type: 'deadline' }, deadline - 1)).toEqual({ ignored: 'not-due' });
    a.send({ type: 'deadline' }, deadline);
    expect(a.execution).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      abnormalFinish: { status: 'TIMED_OUT' },
    });
    expect(a.effects).toContainEqual({
      type: 'kill-task',
      taskId: 'task-1',
      reason: 'execution timed out',
    });
    expect(a.attempt).toMatchObject({
      state: 'ABNORMAL_FINISHED',
      abnormalFinish: { status: 'TIMED_OUT' },
    });
    // The killed task reports later: a late event for a final execution.
    expect(a.send({ type: 'task-ended', outcome: { state: 'KILLED', exitCode: -15 } })).toEqual({
      ignored: 'final',
    });
  });

  it('waits for a dependency and runs a new execution that reads it', () => {
    const b = new Driver(OTHER_QUEST, 1, T0);
    const a = new Driver(QUEST, 1, T0);
    a.send(activate);
    expect(a.dependOn([b.attempt])).toBe(true);
    a.send({ type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } });
    expect(a.attempt).toMatchObject({ state: 'WAITING', waitingOn: [b.attempt.id] });

    b.send(activate);
    b.send({ type: 'finish-attempt', token: EXECUTION_TOKEN, result: result('{"b":1}') });
    b.send({ type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } });
    expect(b.attempt.state).toBe('FINISHED');
    // propagate-final, in b's transaction:
    a.dependencyFinal(b.attempt);
    expect(a.attempt).toMatchObject({ state: 'EXECUTING', numExecutions: 2, waitingOn: [] });

    a.send(activate);
    expect(a.dependOn([b.attempt])).toBe(false);
    a.send({ type: 'finish-attempt', token: EXECUTION_TOKEN, result: result('{"a":1}') });
    a.send({ type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } });
    expect(a.attempt).toMatchObject({ state: 'FINISHED', fwdDeps: [b.attempt.id] });
  });

  it('loses no wake-up when the dependency finishes while the halted execution is stopping', () => {
    const b = new Driver(OTHER_QUEST, 1, T0);
    const a = new Driver(QUEST, 1, T0);
    a.send(activate);
    expect(a.dependOn([b.attempt])).toBe(true);
    // b ends (abnormally: final all the same) before a's task has exited.
    b.send({ type: 'task-ended', outcome: { state: 'CANCELED', exitCode: null } });
    expect(b.attempt.state).toBe('ABNORMAL_FINISHED');
    a.dependencyFinal(b.attempt);
    expect(a.attempt).toMatchObject({ state: 'EXECUTING', numExecutions: 1, waitingOn: [] });
    a.send({ type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } });
    // Straight to a new execution: nothing left to wait for.
    expect(a.attempt).toMatchObject({ state: 'EXECUTING', numExecutions: 2 });
    // A duplicate propagation changes nothing.
    expect(
      transitionAttempt(a.attempt, { type: 'dependency-final', dependency: b.attempt.id }, NOW),
    ).toEqual({ ignored: 'not-waiting-on' });
  });

  it('lets a halted execution that crashes wait rather than run again at once', () => {
    const b = new Driver(OTHER_QUEST, 1, T0);
    const a = new Driver(QUEST, 1, T0); // retry.crashed = 1
    a.send(activate);
    a.dependOn([b.attempt]);
    a.send({ type: 'task-ended', outcome: { state: 'BOT_DIED', exitCode: null } });
    expect(a.attempt).toMatchObject({
      state: 'WAITING',
      retryCounts: { crashed: 1 },
      waitingOn: [b.attempt.id],
    });
  });
});
