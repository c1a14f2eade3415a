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
  type GraphRun,
  type Quest,
  type Store,
} from '../src/index';

const T0 = 1_700_000_000_000;
const ACTIVATION = (n: number) => Buffer.alloc(32, `a${n}`);
const OWN = (n: number) => Buffer.alloc(32, `e${n}`);

function quest(name: string, retryFailed = 0, displayName = ''): Quest {
  const desc = normalizeQuestDesc({
    name: displayName,
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
        effects: [
          { type: 'notify', attempt: a1 },
          { type: 'schedule-execution', attempt: a1 },
        ],
      });
      expect(await store.ensureGraph([quest('a')], [a1], T0 + 5)).toEqual({
        newQuests: [],
        newAttempts: [],
        effects: [],
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

    describeDeclaredNeeds(ctx);
    describeRuns(ctx);
  });
}

/** Fails the attempt's next execution (its task ends COMPLETED without FinishAttempt). */
async function fail(store: Store, id: AttemptId, nowMs = T0 + 3) {
  return ok(
    await store.applyExecutionEvent(
      await running(store, id),
      { type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 1 } },
      nowMs,
    ),
  );
}

function created(outcome: Awaited<ReturnType<Store['ensureGraph']>>) {
  if (!('newAttempts' in outcome)) throw new Error(`refused: ${JSON.stringify(outcome)}`);
  return outcome;
}

function describeDeclaredNeeds(ctx: { store: () => Store }): void {
  describe('declared needs (EnsureGraphData.needs)', () => {
    it('stores a quest with its display name, and keeps the first name', async () => {
      const store = ctx.store();
      const named = quest('named', 0, 'build');
      await store.ensureGraph([named], [], T0);
      expect((await store.getQuest(named.id))?.desc.name).toBe('build');
      const renamed = quest('named', 0, 'other');
      expect(renamed.id).toBe(named.id);
      expect(await store.ensureGraph([renamed], [], T0 + 1)).toMatchObject({ newQuests: [] });
      expect(await store.getQuest(named.id)).toEqual(named);
      const plain = quest('plain');
      await store.ensureGraph([plain], [], T0);
      expect((await store.getQuest(plain.id))?.desc.name).toBe('');
    });

    it('creates a dependent WAITING with no execution, woken when its need finishes', async () => {
      const store = ctx.store();
      const qa = quest('nA');
      const qb = quest('nB');
      const a = { quest: qa.id, attempt: 1 };
      const b = { quest: qb.id, attempt: 1 };
      const outcome = created(
        await store.ensureGraph([qb, qa], [b, a], T0, { needs: [{ attempt: b, needs: [a] }] }),
      );
      expect(outcome.newAttempts).toEqual([a, b]);
      expect(outcome.effects).toEqual([
        { type: 'notify', attempt: a },
        { type: 'schedule-execution', attempt: a },
        { type: 'notify', attempt: b },
      ]);
      expect(await store.getAttempt(b)).toMatchObject({
        state: 'WAITING',
        numExecutions: 0,
        fwdDeps: [a],
        waitingOn: [a],
      });
      expect(await store.listBackDeps(a)).toEqual([b]);
      expect(await store.listExecutions(b)).toEqual([]);
      const doneA = await finish(store, await running(store, a), '{"a":1}', T0 + 4);
      expect(doneA.effects).toContainEqual({ type: 'schedule-execution', attempt: b });
      expect(await store.getAttempt(b)).toMatchObject({ state: 'SCHEDULING', waitingOn: [] });
      // Its first execution runs as any other.
      const doneB = await finish(store, await running(store, b, T0 + 5), '{"b":1}', T0 + 6);
      expect(doneB.attempt).toMatchObject({ state: 'FINISHED', numExecutions: 1 });
    });

    it('never loses a wake-up when a dependent is created while its need finishes', async () => {
      for (const order of ['create-first', 'finish-first', 'concurrent'] as const) {
        const store = ctx.store();
        const qa = quest(`wA-${order}`);
        const qb = quest(`wB-${order}`);
        const a = { quest: qa.id, attempt: 1 };
        const b = { quest: qb.id, attempt: 1 };
        await store.ensureGraph([qa], [a], T0);
        const execA = await running(store, a);
        await store.applyExecutionEvent(
          execA,
          {
            type: 'finish-attempt',
            token: OWN(1),
            result: { object: '{}', size: 2, expiresAtMs: null },
          },
          T0 + 2,
        );
        const end = () =>
          store.applyExecutionEvent(
            execA,
            { type: 'task-ended', outcome: { state: 'COMPLETED', exitCode: 0 } },
            T0 + 3,
          );
        const create = () =>
          store.ensureGraph([qb], [b], T0 + 3, { needs: [{ attempt: b, needs: [a] }] });
        if (order === 'create-first') {
          await create();
          await end();
        } else if (order === 'finish-first') {
          await end();
          await create();
        } else {
          await Promise.all([create(), end()]);
        }
        expect(await store.getAttempt(b)).toMatchObject({ state: 'SCHEDULING', waitingOn: [] });
      }
    });

    it('schedules at once an attempt whose need is already FINISHED', async () => {
      const store = ctx.store();
      const qa = quest('fA');
      const qb = quest('fB');
      const a = { quest: qa.id, attempt: 1 };
      const b = { quest: qb.id, attempt: 1 };
      await store.ensureGraph([qa], [a], T0);
      await finish(store, await running(store, a), '{}', T0 + 2);
      const outcome = created(
        await store.ensureGraph([qb], [b], T0 + 3, { needs: [{ attempt: b, needs: [a] }] }),
      );
      expect(outcome.effects).toEqual([
        { type: 'notify', attempt: b },
        { type: 'schedule-execution', attempt: b },
      ]);
      expect(await store.getAttempt(b)).toMatchObject({
        state: 'SCHEDULING',
        fwdDeps: [a],
        waitingOn: [],
      });
      expect(await store.listBackDeps(a)).toEqual([b]);
    });

    it('cancels the dependents that never ran when a need fails: A → B → C', async () => {
      const store = ctx.store();
      const [qa, qb, qc] = [quest('xA'), quest('xB'), quest('xC')];
      const [a, b, c] = [qa, qb, qc].map((q) => ({ quest: q.id, attempt: 1 }));
      created(
        await store.ensureGraph([qa, qb, qc], [a!, b!, c!], T0, {
          needs: [
            { attempt: c!, needs: [b!] },
            { attempt: b!, needs: [a!] },
          ],
        }),
      );
      const failed = await fail(store, a!, T0 + 3);
      expect(failed.attempt).toMatchObject({
        state: 'ABNORMAL_FINISHED',
        abnormalFinish: { status: 'FAILED' },
      });
      expect(failed.effects).toContainEqual({ type: 'notify', attempt: b });
      expect(failed.effects).toContainEqual({ type: 'notify', attempt: c });
      expect(types(failed.effects)).not.toContain('schedule-execution');
      expect(await store.getAttempt(b!)).toMatchObject({
        state: 'ABNORMAL_FINISHED',
        numExecutions: 0,
        abnormalFinish: {
          status: 'CANCELLED',
          reason: `dependency ${a!.quest}:1 ended ABNORMAL_FINISHED (FAILED)`,
        },
      });
      expect(await store.getAttempt(c!)).toMatchObject({
        state: 'ABNORMAL_FINISHED',
        abnormalFinish: {
          status: 'CANCELLED',
          reason: `dependency ${b!.quest}:1 ended ABNORMAL_FINISHED (CANCELLED)`,
        },
      });
      expect(await store.listAttemptsInStates(['WAITING', 'SCHEDULING'])).toEqual([]);
      // A new attempt needing the failed one is cancelled as it is created.
      const b2 = { ...b!, attempt: 2 };
      const late = created(
        await store.ensureGraph([], [b2], T0 + 5, { needs: [{ attempt: b2, needs: [a!] }] }),
      );
      expect(late.effects).toEqual([{ type: 'notify', attempt: b2 }]);
      expect(await store.getAttempt(b2)).toMatchObject({
        state: 'ABNORMAL_FINISHED',
        abnormalFinish: { status: 'CANCELLED' },
      });
    });

    it('refuses a cycle among the needs of the call and writes nothing', async () => {
      const store = ctx.store();
      const [qa, qb] = [quest('yA'), quest('yB')];
      const [a, b] = [qa, qb].map((q) => ({ quest: q.id, attempt: 1 }));
      const outcome = await store.ensureGraph([qa, qb], [a!, b!], T0, {
        needs: [
          { attempt: a!, needs: [b!] },
          { attempt: b!, needs: [a!] },
        ],
      });
      expect(outcome).toEqual({ cycle: [`${a!.quest}:1`, `${b!.quest}:1`, `${a!.quest}:1`] });
      expect(await store.getQuest(qa.id)).toBeUndefined();
      expect(await store.getAttempt(b!)).toBeUndefined();
    });

    it('refuses a need neither stored nor in the call and writes nothing', async () => {
      const store = ctx.store();
      const [qa, qb] = [quest('uA'), quest('uB')];
      const [a, b] = [qa, qb].map((q) => ({ quest: q.id, attempt: 1 }));
      await store.ensureGraph([qa], [a!], T0);
      const outcome = await store.ensureGraph([qb], [b!], T0, {
        needs: [{ attempt: b!, needs: [a!, { ...a!, attempt: 2 }] }],
      });
      expect(outcome).toEqual({ unknownNeed: { index: 0, need: 1 } });
      expect(await store.getQuest(qb.id)).toBeUndefined();
      expect(await store.listBackDeps(a!)).toEqual([]);
    });

    it('ignores the needs declared for an attempt that exists', async () => {
      const store = ctx.store();
      const [qa, qb] = [quest('iA'), quest('iB')];
      const [a, b] = [qa, qb].map((q) => ({ quest: q.id, attempt: 1 }));
      await store.ensureGraph([qa], [a!], T0);
      const before = await store.getAttempt(a!);
      const outcome = created(
        await store.ensureGraph([qb], [a!, b!], T0 + 1, { needs: [{ attempt: a!, needs: [b!] }] }),
      );
      expect(outcome.newAttempts).toEqual([b]);
      expect(await store.getAttempt(a!)).toEqual(before);
      expect(await store.listBackDeps(b!)).toEqual([]);
    });
  });
}

function run(
  id: string,
  name: string,
  createdAtMs: number,
  steps: GraphRun['steps'] = [],
): GraphRun {
  return { id, name, createdAtMs, user: 'user:dev@example.com', pools: ['ci', 'gpu'], steps };
}

function describeRuns(ctx: { store: () => Store; reopen: () => Promise<Store> }): void {
  describe('pipeline runs', () => {
    it('stores a run with its attempts, read back by id and by name (the newest)', async () => {
      let store = ctx.store();
      const [qa, qb] = [quest('rA', 0, 'a'), quest('rB', 0, 'b')];
      const [a, b] = [qa, qb].map((q) => ({ quest: q.id, attempt: 1 }));
      const first = run('run-aaaaaaaaaaaaaaaa', 'diamond', T0, [
        { name: 'a', attempt: a!, needs: [] },
        { name: 'b', attempt: b!, needs: ['a'] },
      ]);
      created(
        await store.ensureGraph([qa, qb], [a!, b!], T0, {
          needs: [{ attempt: b!, needs: [a!] }],
          run: first,
        }),
      );
      expect(await store.getRun(first.id)).toEqual(first);
      expect(await store.getRunByName('diamond')).toEqual(first);
      const second = run('run-bbbbbbbbbbbbbbbb', 'diamond', T0 + 10, first.steps);
      await store.ensureGraph([], [a!, b!], T0 + 10, { run: second });
      expect(await store.getRunByName('diamond')).toEqual(second);
      expect(await store.getRun(first.id)).toEqual(first);
      expect(await store.getRun('run-nope')).toBeUndefined();
      expect(await store.getRunByName('diamon')).toBeUndefined();
      await store.close();
      store = await ctx.reopen();
      expect(await store.getRun(second.id)).toEqual(second);
    });

    it('writes no run when the call is refused', async () => {
      const store = ctx.store();
      const r = run('run-cccccccccccccccc', 'refused', T0);
      const outcome = await store.ensureGraph([], [{ quest: 'nope', attempt: 1 }], T0, { run: r });
      expect(outcome).toEqual({ unknownQuest: 'nope' });
      expect(await store.getRun(r.id)).toBeUndefined();
    });

    it('lists runs newest first, a page at a time, and by a name glob', async () => {
      const store = ctx.store();
      const runs = [
        run('run-a000000000000001', 'nightly', T0),
        run('run-a000000000000002', 'nightly', T0 + 1),
        // Same time: the id orders them.
        run('run-a000000000000003', 'deploy_eu', T0 + 2),
        run('run-a000000000000004', 'deployXeu', T0 + 2),
        run('run-a000000000000005', 'Nightly', T0 + 3),
      ];
      for (const r of runs) await store.ensureGraph([], [], r.createdAtMs, { run: r });
      const ids = (list: readonly GraphRun[]) => list.map((r) => r.id.slice(-1));
      expect(ids(await store.listRuns({ limit: 10 }))).toEqual(['5', '4', '3', '2', '1']);
      const page1 = await store.listRuns({ limit: 2 });
      expect(ids(page1)).toEqual(['5', '4']);
      const page2 = await store.listRuns({ limit: 2, before: page1[1]!.id });
      expect(ids(page2)).toEqual(['3', '2']);
      const page3 = await store.listRuns({ limit: 2, before: page2[1]!.id });
      expect(ids(page3)).toEqual(['1']);
      expect(await store.listRuns({ limit: 2, before: 'run-unknown' })).toEqual([]);
      expect(await store.listRuns({ limit: 0 })).toEqual([]);
      // Globs: case-sensitive, `*` and `?` only; `_` and `%` are literal.
      expect(ids(await store.listRuns({ limit: 10, nameGlob: 'nightly' }))).toEqual(['2', '1']);
      expect(ids(await store.listRuns({ limit: 10, nameGlob: '?ightly' }))).toEqual([
        '5',
        '2',
        '1',
      ]);
      expect(ids(await store.listRuns({ limit: 10, nameGlob: 'deploy_*' }))).toEqual(['3']);
      expect(ids(await store.listRuns({ limit: 10, nameGlob: 'deploy?eu' }))).toEqual(['4', '3']);
      expect(ids(await store.listRuns({ limit: 10, nameGlob: '*' }))).toHaveLength(5);
      expect(await store.listRuns({ limit: 10, nameGlob: 'night%' })).toEqual([]);
      expect(await store.listRuns({ limit: 10, nameGlob: '[n]ightly' })).toEqual([]);
      expect(await store.listRuns({ limit: 10, nameGlob: '\\*' })).toEqual([]);
      expect(ids(await store.listRuns({ limit: 1, nameGlob: '*ly', before: runs[1]!.id }))).toEqual(
        ['1'],
      );
      expect(await store.getRun(runs[0]!.id)).toEqual(runs[0]);
    });
  });

  describe('recent quests (the dashboard list)', () => {
    it('lists the newest quests first, ties by id descending, at most limit, across a reopen', async () => {
      let store = ctx.store();
      const at = (name: string, ms: number): Quest => ({ ...quest(name), createdAtMs: ms });
      const a = at('old', T0);
      const b = at('middle', T0 + 1000);
      const c = at('tie-1', T0 + 2000);
      const d = at('tie-2', T0 + 2000);
      for (const q of [b, a, d, c]) await store.ensureGraph([q], [], q.createdAtMs);
      const [tieHigh, tieLow] = [c, d].sort((x, y) => (x.id < y.id ? 1 : -1));
      expect((await store.listRecentQuests(10)).map((q) => q.id)).toEqual([
        tieHigh!.id,
        tieLow!.id,
        b.id,
        a.id,
      ]);
      expect(await store.listRecentQuests(2)).toEqual([tieHigh, tieLow]);
      expect(await store.listRecentQuests(0)).toEqual([]);
      // A quest ensured again keeps its place (its first creation time).
      await store.ensureGraph([{ ...a, createdAtMs: T0 + 5000 }], [], T0 + 5000);
      store = await ctx.reopen();
      expect((await store.listRecentQuests(1))[0]).toEqual(tieHigh);
      expect((await store.listRecentQuests(10)).map((q) => q.id).at(-1)).toBe(a.id);
    });
  });
}
