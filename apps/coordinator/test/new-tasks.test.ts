// Tasks.NewTasks over real gRPC, on SQLite and on PostgreSQL: a batch of 1,000 is
// stored in request order and dispatched to a bot; one invalid or forbidden task refuses the
// whole batch, naming its index, and stores nothing; request_uuid holds inside a batch and
// across batches. PostgreSQL runs in a throwaway schema, dropped after.
import { status, type ServiceError } from '@grpc/grpc-js';
import type {
  CoordinatorMessageOut,
  NewTaskRequest,
  NewTasksResponseOut,
  TaskResultOut,
  TasksClient,
} from '@drover/protocol';
import { dropPgSchema, pgReachable } from '@drover/state';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, type CoordinatorOptions, type RunningCoordinator } from '../src/index';
import { bearer, call, startTestCoordinator, tasksStub, tempDir, until } from './harness';
import { ScriptedBot } from './scripted-bot';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PG_REACHABLE = await pgReachable(PG_URL);
if (!PG_REACHABLE) console.warn(`PostgreSQL not reachable at DROVER_TEST_PG_URL: skipped`);
const PG_SCHEMAS: string[] = [];
afterAll(async () => {
  for (const schema of PG_SCHEMAS) await dropPgSchema(PG_URL, schema);
});

const TOKENS = { submitter: 'drv_test_submitter', admin: 'drv_test_admin', bot: 'drv_test_bots' };
// The submitter may submit to pool `default` only: a task for `secret` is refused.
const TOKENS_YAML = `version: 2
principals:
  - { name: submitter, sha256: ${hashToken(TOKENS.submitter)}, roles: { default: [view, submit] } }
  - { name: admin, sha256: ${hashToken(TOKENS.admin)}, admin: true }
botGroups:
  - { name: bots, sha256: ${hashToken(TOKENS.bot)}, botIds: ['bot-*'], dimensions: { pool: [default] } }
`;

function describeNewTasks(name: string, storeOptions: () => CoordinatorOptions): void {
  describe(`NewTasks on ${name}`, () => {
    let dir: ReturnType<typeof tempDir>;
    let coord: RunningCoordinator;
    let stub: TasksClient;
    const bots: ScriptedBot[] = [];

    beforeEach(async () => {
      dir = tempDir();
      const tokensFile = join(dir.path, 'tokens.yaml');
      writeFileSync(tokensFile, TOKENS_YAML);
      coord = await startTestCoordinator(dir.path, { tokensFile, ...storeOptions() });
      stub = tasksStub(coord.grpcAddress);
    });

    afterEach(async () => {
      for (const b of bots.splice(0)) b.crash();
      stub.close();
      await coord.close();
      dir.remove();
    });

    const newTasks = (requests: NewTaskRequest[]) =>
      call<NewTasksResponseOut>(
        (md, cb) => stub.NewTasks({ requests }, md, cb),
        bearer(TOKENS.submitter),
      );

    const refusal = async (requests: NewTaskRequest[]): Promise<ServiceError> => {
      try {
        await newTasks(requests);
      } catch (err) {
        return err as ServiceError;
      }
      throw new Error('NewTasks succeeded');
    };

    /** Every task there is, whatever its state and pool (the admin sees all). */
    const countAll = async (): Promise<number> => {
      const res = await call<{ count: number }>(
        (md, cb) => stub.CountTasks({ state: 'QUERY_ALL' }, md, cb),
        bearer(TOKENS.admin),
      );
      return Number(res.count);
    };

    it('stores 1,000 tasks from one call, ids in request order, and dispatches them', async () => {
      const requests = Array.from({ length: 1000 }, (_, i) => task(`t-${i}`, ['batch:big']));
      const res = await newTasks(requests);
      expect(res.responses).toHaveLength(1000);
      expect(res.responses.map((r) => r.request?.name)).toEqual(requests.map((r) => r.name));
      const ids = res.responses.map((r) => r.task_id);
      expect(new Set(ids).size).toBe(1000);
      for (const r of res.responses) {
        expect(r.result?.task_id).toBe(r.task_id);
        expect(r.result?.state).toBe('PENDING');
      }
      expect(await countAll()).toBe(1000);
      const pending = await call<{ count: number }>(
        (md, cb) => stub.CountTasks({ state: 'QUERY_PENDING', tags: ['batch:big'] }, md, cb),
        bearer(TOKENS.submitter),
      );
      expect(Number(pending.count)).toBe(1000);

      // A bot that connects after the commit is given the batch's tasks, one after another: it
      // runs 50 of them (each Assign of a stored task of the batch, none twice).
      const b = new ScriptedBot(coord.grpcAddress, TOKENS.bot);
      bots.push(b);
      b.hello('bot-1', [], [{ key: 'pool', value: ['default'] }]);
      const ran = new Set<string>();
      for (let n = 0; n < 50; n++) {
        const assign = (await b.next(isAssign)).assign!;
        expect(ids).toContain(assign.task_id);
        expect(ran.has(assign.task_id)).toBe(false);
        ran.add(assign.task_id);
        b.send({ task_started: { task_id: assign.task_id, lease_id: assign.lease_id } });
        b.send({
          task_finished: { task_id: assign.task_id, lease_id: assign.lease_id, exit_code: 0 },
        });
      }
      // The next Assign comes once the 50th finish was handled: 50 ran, the 51st is running.
      const next = (await b.next(isAssign)).assign!;
      expect(ran.has(next.task_id)).toBe(false);
      const results = await call<{ items: Array<{ result?: TaskResultOut | null }> }>(
        (md, cb) => stub.BatchGetResult({ task_ids: ids }, md, cb),
        bearer(TOKENS.submitter),
      );
      const stateOf = new Map(results.items.map((i) => [i.result?.task_id, i.result?.state]));
      expect([...ran].map((id) => stateOf.get(id))).toEqual([...ran].map(() => 'COMPLETED'));
      expect(stateOf.get(next.task_id)).toBe('RUNNING');
      expect([...stateOf.values()].filter((s) => s === 'PENDING')).toHaveLength(949);
    });

    it('gives the first tasks of a batch to the idle bots, in request order, and the rest as they free up', async () => {
      const idle = ['bot-1', 'bot-2'].map((id) => {
        const b = new ScriptedBot(coord.grpcAddress, TOKENS.bot);
        bots.push(b);
        b.hello(id, [], [{ key: 'pool', value: ['default'] }]);
        return b;
      });
      await until(() => coord.dispatcher.isIdle('bot-1') && coord.dispatcher.isIdle('bot-2'));
      // Every task the store is told to write RUNNING after its insert (a claim of a waiting task).
      const claimed: string[] = [];
      const updateTask = coord.store.updateTask.bind(coord.store);
      coord.store.updateTask = (next, expected) => {
        if (next.state === 'RUNNING') claimed.push(next.id);
        return updateTask(next, expected);
      };
      // The repeated request_uuid is no new task: it takes no bot, so both go to a and b, each
      // stored RUNNING in the batch's insert, not claimed after it.
      const res = await newTasks([
        { ...task('a'), request_uuid: 'uuid-a' },
        { ...task('a again'), request_uuid: 'uuid-a' },
        task('b'),
        task('c'),
      ]);
      const [a, aAgain, b, c] = res.responses.map((r) => r.task_id);
      expect(aAgain).toBe(a);
      const assigns = await Promise.all(
        idle.map(async (bot) => (await bot.next(isAssign)).assign!),
      );
      expect(assigns.map((x) => x.task_id).sort()).toEqual([a, b].sort());
      expect(claimed).toEqual([]);
      const state = async (id: string | undefined) =>
        (
          await call<TaskResultOut>(
            (md, cb) => stub.GetResult({ task_id: id }, md, cb),
            bearer(TOKENS.submitter),
          )
        ).state;
      expect(await state(c)).toBe('PENDING');
      // The first bot to finish takes c.
      const first = assigns[0]!;
      idle[0]!.send({
        task_finished: { task_id: first.task_id, lease_id: first.lease_id, exit_code: 0 },
      });
      expect((await idle[0]!.next(isAssign)).assign!.task_id).toBe(c);
      expect(claimed).toEqual([c]);
      expect(await state(first.task_id)).toBe('COMPLETED');
    });

    it('refuses a batch with one invalid task, naming its index, and stores nothing', async () => {
      const requests = Array.from({ length: 5 }, (_, i) => task(`bad-${i}`));
      requests[3] = { ...requests[3], task_slices: [{ properties: { command: [] } }] };
      const err = await refusal(requests);
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/^requests\[3\]\.task_slices\[0\]\.properties\.command: /);
      expect(await countAll()).toBe(0);
    });

    it('refuses a field over its limit in one task of the batch, naming its index', async () => {
      const requests = [task('a'), { ...task('b'), name: 'x'.repeat(1025) }];
      const err = await refusal(requests);
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toBe('requests[1].name: at most 1024 characters, got 1025');
      expect(await countAll()).toBe(0);
    });

    it('refuses an empty batch and one of more than 1,000 tasks', async () => {
      const empty = await refusal([]);
      expect(empty.code).toBe(status.INVALID_ARGUMENT);
      expect(empty.details).toMatch(/^requests: /);
      const tooMany = await refusal(Array.from({ length: 1001 }, (_, i) => task(`m-${i}`)));
      expect(tooMany.code).toBe(status.INVALID_ARGUMENT);
      expect(tooMany.details).toMatch(/^requests: at most 1000 items/);
      expect(await countAll()).toBe(0);
    });

    it('refuses a batch with a task in a pool the caller may not submit to, naming it', async () => {
      const requests = [task('ok-0'), task('ok-1'), task('secret', [], 'secret'), task('ok-3')];
      const err = await refusal(requests);
      expect(err.code).toBe(status.PERMISSION_DENIED);
      expect(err.details).toMatch(/^requests\[2\]: may not submit to pool secret/);
      expect(await countAll()).toBe(0);
    });

    it('honours request_uuid inside a batch and across batches', async () => {
      const withUuid = (n: string, uuid: string): NewTaskRequest => ({
        ...task(n),
        request_uuid: uuid,
      });
      const first = await newTasks([
        withUuid('u1', 'uuid-1'),
        withUuid('u2', 'uuid-2'),
        withUuid('u1 again', 'uuid-1'),
        task('no uuid'),
      ]);
      const [one, two, oneAgain, plain] = first.responses.map((r) => r.task_id);
      expect(oneAgain).toBe(one);
      expect(first.responses[2]!.request?.name).toBe('u1');
      expect(new Set([one, two, plain]).size).toBe(3);
      expect(await countAll()).toBe(3);

      const second = await newTasks([withUuid('u3', 'uuid-3'), withUuid('u2 later', 'uuid-2')]);
      const [three, twoLater] = second.responses.map((r) => r.task_id);
      expect(twoLater).toBe(two);
      expect(second.responses[1]!.request?.name).toBe('u2');
      expect([one, two, plain]).not.toContain(three);
      expect(await countAll()).toBe(4);
    });
  });
}

/** A task that waits in `pool` (default: `default`) for a bot, whether or not one is there. */
function task(name: string, tags: string[] = [], pool = 'default'): NewTaskRequest {
  return {
    name,
    tags,
    task_slices: [
      {
        properties: { command: ['true'], dimensions: [{ key: 'pool', value: pool }] },
        wait_for_capacity: true,
      },
    ],
  };
}

function isAssign(m: CoordinatorMessageOut): boolean {
  return m.msg === 'assign';
}

describeNewTasks('SQLite', () => ({}));

describe.skipIf(!PG_REACHABLE)('PostgreSQL', () => {
  describeNewTasks('PostgreSQL', () => {
    // A schema per coordinator: each test starts from an empty store.
    const schema = `drover_test_${randomBytes(6).toString('hex')}`;
    PG_SCHEMAS.push(schema);
    return { store: PG_URL, storeSchema: schema };
  });
});
