// The graph half of the Store conformance suite (DESIGN.md §5, §6): every adapter must pass it.
// It speaks only through the Store port; describeStoreConformance() calls it.
import { describe, expect, it } from 'vitest';
import {
  createQuest,
  normalizeQuestDesc,
  type AttemptId,
  type ExecutionId,
  type GraphCommit,
  type GraphEffect,
  type Quest,
  type Store,
} from '../src/index';

const T0 = 1_700_000_000_000;
const ACTIVATION = (n: number) => Buffer.alloc(32, `a${n}`);
const OWN = (n: number) => Buffer.alloc(32, `e${n}`);

function quest(name: string, retryFailed = 0): Quest {
  const desc = normalizeQuestDesc({
    distributorConfigName: 'drover',
    parameters: JSON.stringify({ name }),
    distributorParameters: '{"command":["true"]}',
    meta: { retry: { failed: retryFailed }, timeouts: { start: 60, run: 600, stop: 10 } },
  });
  if (!('ok' in desc)) throw new Error(desc.message);
  return createQuest(desc.ok, T0);
}

function ok(commit: GraphCommit): Extract<GraphCommit, { attempt: unknown }> {
  if (!('attempt' in commit)) throw new Error(`expected a commit, got ${JSON.stringify(commit)}`);
  return commit;
}

function types(effects: readonly GraphEffect[]): string[] {
  return effects.map((e) => e.type);
}

let taskSeq = 0;

/** Schedules the attempt's next execution and activates it; returns its id. */
async function running(store: Store, id: AttemptId, nowMs = T0 + 1): Promise<ExecutionId> {
  const attempt = await store.getAttempt(id);
  const n = attempt!.numExecutions + 1;
  ok(
    await store.scheduleExecution(
      { attempt: id, execution: n, activationToken: ACTIVATION(n), taskId: `t${++taskSeq}` },
      nowMs,
    ),
  );
  const execId = { ...id, execution: n };
  ok(
    await store.applyExecutionEvent(
      execId,
      { type: 'activate', activationToken: ACTIVATION(n), executionToken: OWN(n) },
      nowMs,
    ),
  );
  return execId;
}

/** FinishAttempt with `object`, then the task ends COMPLETED. */
async function finish(store: Store, id: ExecutionId, object: string, nowMs = T0 + 2) {
  ok(
    await store.applyExecutionEvent(
      id,
      {
        type: 'finish-attempt',
        token: OWN(id.execution),
        result: { object, size: object.length, expiresAtMs: null },
      },
      nowMs,
    ),
  );
  return ok(
    await store.applyExecutionEvent(
      id,
      { type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } },
      nowMs,
    ),
  );
}

export function describeGraphConformance(ctx: {
  store: () => Store;
  reopen: () => Promise<Store>;
}): void {
  describe('graph', () => {
    it('ensures quests and attempts idempotently: the same desc is the same quest', async () => {
      const store = ctx.store();
      const q = quest('a');
      const a1 = { quest: q.id, attempt: 1 };
      expect(await store.ensureGraph([q], [a1], T0)).toEqual({
        newQuests: [q.id],
        newAttempts: [a1],
      });
      expect(await store.ensureGraph([quest('a')], [a1], T0 + 5)).toEqual({
        newQuests: [],
        newAttempts: [],
      });
      expect(await store.getQuest(q.id)).toEqual(q);
      expect(await store.getAttempt(a1)).toMatchObject({ state: 'SCHEDULING', createdAtMs: T0 });
      expect(await store.listAttemptsInStates(['SCHEDULING'])).toHaveLength(1);
    });

    it('refuses attempts of an unknown quest and writes nothing', async () => {
      const store = ctx.store();
      const q = quest('b');
      const outcome = await store.ensureGraph([q], [{ quest: 'nope', attempt: 1 }], T0);
      expect(outcome).toEqual({ unknownQuest: 'nope' });
      expect(await store.getQuest(q.id)).toBeUndefined();
    });

    it('commits an execution through its whole lifecycle and finishes the attempt', async () => {
      const store = ctx.store();
      const q = quest('life');
      const id = { quest: q.id, attempt: 1 };
      await store.ensureGraph([q], [id], T0);
      const scheduled = ok(
        await store.scheduleExecution(
          { attempt: id, execution: 1, activationToken: ACTIVATION(1), taskId: 'task-life' },
          T0 + 1,
        ),
      );
      expect(types(scheduled.effects)).not.toContain('create-task');
      expect(scheduled.execution).toMatchObject({ state: 'SCHEDULING', taskId: 'task-life' });
      expect(await store.findExecutionByTask('task-life')).toEqual(scheduled.execution);
      expect(await store.listActiveExecutions()).toEqual([scheduled.execution]);
      const execId = { ...id, execution: 1 };
      ok(
        await store.applyExecutionEvent(
          execId,
          { type: 'activate', activationToken: ACTIVATION(1), executionToken: OWN(1) },
          T0 + 2,
        ),
      );
      const done = await finish(store, execId, '{"x":1}', T0 + 3);
      expect(done.attempt).toMatchObject({ state: 'FINISHED', result: { object: '{"x":1}' } });
      expect(await store.getAttempt(id)).toEqual(done.attempt);
      expect(await store.listExecutions(id)).toEqual([done.execution]);
      expect(await store.listActiveExecutions()).toEqual([]);
    });

    it('refuses a write computed on a stale state: a second scheduling of the same number', async () => {
      const store = ctx.store();
      const q = quest('stale');
      const id = { quest: q.id, attempt: 1 };
      await store.ensureGraph([q], [id], T0);
      const input = { attempt: id, execution: 1, activationToken: ACTIVATION(1), taskId: 't-a' };
      ok(await store.scheduleExecution(input, T0));
      expect(await store.scheduleExecution({ ...input, taskId: 't-b' }, T0)).toEqual({
        ignored: 'stale-execution',
      });
      expect(await store.listExecutions(id)).toHaveLength(1);
      // Another activation token is refused and changes nothing.
      const execId = { ...id, execution: 1 };
      const refused = await store.applyExecutionEvent(
        execId,
        { type: 'activate', activationToken: OWN(9), executionToken: OWN(1) },
        T0,
      );
      expect(refused).toEqual({ refused: 'bad-token' });
      expect((await store.getExecution(execId))?.state).toBe('SCHEDULING');
      expect(
        await store.applyExecutionEvent({ ...id, execution: 7 }, { type: 'deadline' }, T0),
      ).toEqual({ refused: 'not-found' });
    });

    it('wakes a waiting dependent in the transaction that finishes its dependency', async () => {
      const store = ctx.store();
      const qa = quest('A');
      const qb = quest('B');
      const a = { quest: qa.id, attempt: 1 };
      const b = { quest: qb.id, attempt: 1 };
      await store.ensureGraph([qa, qb], [a, b], T0);
      const execA = await running(store, a);
      const added = await store.addDependencies(execA, OWN(1), [b], T0 + 2);
      expect(added).toMatchObject({ shouldHalt: true, newEdges: [b] });
      expect(await store.listBackDeps(b)).toEqual([a]);
      const halted = ok(
        await store.applyExecutionEvent(
          execA,
          { type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } },
          T0 + 3,
        ),
      );
      expect(halted.attempt).toMatchObject({ state: 'WAITING', waitingOn: [b] });

      const execB = await running(store, b);
      const doneB = await finish(store, execB, '{"b":true}', T0 + 4);
      expect(await store.getAttempt(a)).toMatchObject({ state: 'SCHEDULING', waitingOn: [] });
      expect(doneB.effects).toContainEqual({ type: 'schedule-execution', attempt: a });
    });

    it('never loses a wake-up when an edge is added while its dependency finishes', async () => {
      // Both interleavings, and both at once (the adapter serializes them, in either order).
      for (const order of ['edge-first', 'finish-first', 'concurrent'] as const) {
        const store = ctx.store();
        const qa = quest(`A-${order}`);
        const qb = quest(`B-${order}`);
        const a = { quest: qa.id, attempt: 1 };
        const b = { quest: qb.id, attempt: 1 };
        await store.ensureGraph([qa, qb], [a, b], T0);
        const execA = await running(store, a);
        const execB = await running(store, b);
        await store.applyExecutionEvent(
          execB,
          {
            type: 'finish-attempt',
            token: OWN(1),
            result: { object: '{}', size: 2, expiresAtMs: null },
          },
          T0 + 2,
        );
        const end = () =>
          store.applyExecutionEvent(
            execB,
            { type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } },
            T0 + 3,
          );
        const edge = () => store.addDependencies(execA, OWN(1), [b], T0 + 3);
        if (order === 'edge-first') {
          await edge();
          await end();
        } else if (order === 'finish-first') {
          await end();
          await edge();
        } else {
          await Promise.all([edge(), end()]);
        }
        await store.applyExecutionEvent(
          execA,
          { type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } },
          T0 + 4,
        );
        const after = await store.getAttempt(a);
        // Either the dependency was final when the edge was checked (no halt: A's task ended
        // without FinishAttempt → FAILED, no retry), or A waited and was woken: never WAITING.
        expect(after?.state).not.toBe('WAITING');
        expect(after?.waitingOn).toEqual([]);
      }
    });

    it('refuses an edge that would close a cycle, and a self-edge', async () => {
      const store = ctx.store();
      const qa = quest('cA');
      const qb = quest('cB');
      const a = { quest: qa.id, attempt: 1 };
      const b = { quest: qb.id, attempt: 1 };
      await store.ensureGraph([qa, qb], [a, b], T0);
      const execB = await running(store, b);
      expect(await store.addDependencies(execB, OWN(1), [a], T0 + 2)).toMatchObject({
        shouldHalt: true,
      });
      const execA = await running(store, a);
      const cycle = await store.addDependencies(execA, OWN(1), [b], T0 + 3);
      expect(cycle).toHaveProperty('cycle');
      expect(await store.addDependencies(execA, OWN(1), [a], T0 + 3)).toHaveProperty('cycle');
      expect((await store.getAttempt(a))?.fwdDeps).toEqual([]);
      expect(await store.listBackDeps(b)).toEqual([]);
      expect(await store.addDependencies(execA, OWN(1), [{ ...b, attempt: 9 }], T0)).toEqual({
        unknownDependency: 0,
      });
    });

    it('retries a failed execution and finishes abnormally when the retries are spent', async () => {
      const store = ctx.store();
      const q = quest('retry', 1);
      const id = { quest: q.id, attempt: 1 };
      await store.ensureGraph([q], [id], T0);
      const failed = { type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 1 } } as const;
      const first = ok(await store.applyExecutionEvent(await running(store, id), failed, T0 + 5));
      expect(first.attempt.state).toBe('SCHEDULING');
      const second = ok(await store.applyExecutionEvent(await running(store, id), failed, T0 + 6));
      expect(second.attempt).toMatchObject({
        state: 'ABNORMAL_FINISHED',
        abnormalFinish: { status: 'FAILED' },
      });
    });

    it('keeps quests, attempts, executions and edges when the database is opened again', async () => {
      let store = ctx.store();
      const qa = quest('pA');
      const qb = quest('pB');
      const a = { quest: qa.id, attempt: 1 };
      const b = { quest: qb.id, attempt: 1 };
      await store.ensureGraph([qa, qb], [a, b], T0);
      const execA = await running(store, a);
      await store.addDependencies(execA, OWN(1), [b], T0 + 2);
      const before = {
        quest: await store.getQuest(qa.id),
        a: await store.getAttempt(a),
        exec: await store.getExecution(execA),
      };
      await store.close();
      store = await ctx.reopen();
      expect(await store.getQuest(qa.id)).toEqual(before.quest);
      expect(await store.getAttempt(a)).toEqual(before.a);
      expect(await store.getExecution(execA)).toEqual(before.exec);
      expect(await store.listBackDeps(b)).toEqual([a]);
      expect(await store.findExecutionByTask(before.exec!.taskId!)).toEqual(before.exec);
    });
  });
}
