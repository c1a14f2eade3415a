// The suite every Store adapter must pass (DESIGN.md §6). It speaks only through the Store port,
// so the SQLite and PostgreSQL adapters run the very same checks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_ADMIN_STATE, SEVEN_DAYS_MS, transition } from '../src/index';
import type {
  BotEventRecord,
  BotRecord,
  BotReport,
  Store,
  StoredTaskState,
  Task,
  TaskEvent,
} from '../src/index';
import { T0, pendingTask, properties, slice, spec } from './fixtures';
import { describeGraphConformance } from './store-conformance-graph';
import { describeSecretConformance } from './store-conformance-secrets';
import { describeCasConformance } from './store-conformance-cas';
import { describeWebhookConformance } from './store-conformance-webhooks';
import { describeRetentionConformance } from './store-conformance-retention';
import { describeAccessConformance } from './store-conformance-access';
import { describeFleetConformance } from './store-conformance-fleet';

export interface OpenedStore {
  readonly store: Store;
  /**
   * Opens the same database again: after the suite closed `store`, or beside it as a second
   * handle (another replica; PostgreSQL: another connection pool on the same schema).
   */
  readonly reopen: () => Promise<Store>;
  /** Removes what `open` made (file, schema). The suite closes every store it got first. */
  readonly cleanup: () => Promise<void>;
}

const SPEC = spec(
  [
    {
      properties: properties({
        dimensions: [
          { key: 'pool', value: 'ci' },
          { key: 'os', value: 'Linux|Mac' },
          { key: 'os', value: 'Linux-Debian' },
        ],
        env: [
          { key: 'A', value: 'x=y' },
          { key: 'EMPTY', value: '' },
          { key: 'UNICODE', value: 'žluťoučký kůň 🐎' },
        ],
        envPrefixes: [{ key: 'PATH', values: ['bin', 'a b/c'] }],
        idempotent: true,
      }),
      expirationSecs: 60,
      waitForCapacity: false,
      propertiesHash: 'a'.repeat(64),
    },
    {
      properties: properties({
        command: ['sh', '-c', 'echo "$A" && exit 3'],
        dimensions: [{ key: 'pool', value: 'ci' }],
        ioTimeoutSecs: 0,
        gracePeriodSecs: 0,
      }),
      expirationSecs: 604_800,
      waitForCapacity: true,
      propertiesHash: 'b'.repeat(64),
    },
  ],
  {
    name: 'conformance "quoted" \'name\'',
    priority: 1,
    tags: ['a:b', 'key:value:with:colons', 'empty:'],
    requestUuid: '8d1c5a52-4a8b-4f1e-9d0c-6a9b5e1f2c3d',
    parentTaskId: 'parent-1',
  },
);

/** A task at `state`, created at T0 + createdOffsetMs, with every field as it would have there. */
function withoutUuid(t: Task): Task {
  return { ...t, spec: { ...t.spec, requestUuid: '' } };
}

function task(id: string, state: StoredTaskState = 'PENDING', createdOffsetMs = 0): Task {
  const createdAtMs = T0 + createdOffsetMs;
  // Each task its own request_uuid: the same uuid would return the first task (see below).
  const base = pendingTask(
    { ...SPEC, requestUuid: `${SPEC.requestUuid}-${id}` },
    { id, createdAtMs, modifiedAtMs: createdAtMs },
  );
  if (state === 'PENDING') return base;
  return {
    ...base,
    state,
    botId: 'bot-1',
    botDimensions: [
      { key: 'os', values: ['Linux', 'Linux-Debian'] },
      { key: 'pool', values: ['ci'] },
    ],
    leaseId: 'lease-1',
    startedAtMs: createdAtMs + 1_000,
    modifiedAtMs: createdAtMs + 1_000,
    ...(state === 'RUNNING'
      ? {}
      : { completedAtMs: createdAtMs + 2_000, exitCode: 0, durationSecs: 0.5 }),
  };
}

function bot(id: string, overrides: Partial<BotReport> = {}): BotRecord {
  return {
    id,
    dimensions: [
      { key: 'id', values: [id] },
      { key: 'os', values: ['Linux', 'Linux-Debian'] },
      { key: 'pool', values: ['ci'] },
    ],
    version: 'v1',
    firstSeenMs: T0,
    lastSeenMs: T0,
    state: { load: 0.5, disk: { free: 123_456_789 }, running: null, tags: ['a', 'b'] },
    sessionId: 'session-1',
    connected: true,
    ...overrides,
    admin: NO_ADMIN_STATE,
  };
}

/** What a bot reports: a BotRecord without the admin state. */
function report(b: BotRecord): BotReport {
  const { admin: _admin, ...rest } = b;
  return rest;
}

function botEvent(
  botId: string,
  tsOffsetMs: number,
  overrides: Partial<BotEventRecord> = {},
): BotEventRecord {
  return {
    tsMs: T0 + tsOffsetMs,
    botId,
    eventType: 'connected',
    message: '',
    taskId: '',
    dimensions: [{ key: 'pool', values: ['ci'] }],
    ...overrides,
  };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** The successor of `t` with `changes`: one revision past it, as `transition` makes it. */
function next(t: Task, changes: Partial<Task>): Task {
  return { ...t, ...changes, revision: t.revision + 1 };
}

/** Calls `fn`, turning a synchronous throw into a rejection (to test a rule, not a style). */
async function settle<T>(fn: () => Promise<T>): Promise<T> {
  return fn();
}

export function describeStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store conformance: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await store.close();
      await opened.cleanup();
    });

    describe('tasks', () => {
      it('returns a fresh PENDING task exactly as inserted', async () => {
        const t = task('t-pending');
        await store.insertTask(t);
        expect(await store.getTask('t-pending')).toEqual(t);
      });

      it('returns every field of a task as inserted, telling null from 0 and false', async () => {
        const zeros: Task = {
          ...task('t-zeros', 'COMPLETED'),
          currentSlice: 0,
          exitCode: 0,
          durationSecs: 0,
          startedAtMs: 0,
          completedAtMs: 0,
          abandonedAtMs: 0,
          killRequestedAtMs: 0,
          outputSize: 0,
          failure: false,
          internalFailure: false,
          processStarted: false,
          summary: '',
        };
        const full: Task = {
          ...task('t-full', 'KILLED'),
          currentSlice: 1,
          modifiedAtMs: T0 + 9_999,
          startedAtMs: T0 + 1_001,
          completedAtMs: T0 + 5_003,
          abandonedAtMs: T0 + 4_002,
          killRequestedAtMs: T0 + 4_002,
          processStarted: true,
          exitCode: -15,
          durationSecs: 12.345,
          failure: true,
          internalFailure: true,
          dedupedFrom: 't-original',
          outputSize: 42,
          summary: 'killed while running — ünïcödé ✓',
        };
        const nulls = task('t-nulls', 'PENDING');
        for (const t of [zeros, full, nulls]) await store.insertTask(t);
        expect(await store.getTask('t-zeros')).toEqual(zeros);
        expect(await store.getTask('t-full')).toEqual(full);
        expect(await store.getTask('t-nulls')).toEqual(nulls);
        const got = await store.getTask('t-nulls');
        expect(got?.exitCode).toBeNull();
        expect(got?.durationSecs).toBeNull();
        expect(got?.startedAtMs).toBeNull();
      });

      it('keeps each state name through a round trip', async () => {
        const states: StoredTaskState[] = [
          'RUNNING',
          'PENDING',
          'EXPIRED',
          'TIMED_OUT',
          'BOT_DIED',
          'CANCELED',
          'COMPLETED',
          'KILLED',
          'NO_RESOURCE',
          'CLIENT_ERROR',
        ];
        for (const state of states) await store.insertTask(task(`t-${state}`, state));
        for (const state of states) expect((await store.getTask(`t-${state}`))?.state).toBe(state);
      });

      it('returns undefined for an unknown id', async () => {
        expect(await store.getTask('no-such-task')).toBeUndefined();
      });

      it('refuses to insert a second task with the same id and keeps the first', async () => {
        const first = withoutUuid(task('t-dup'));
        await store.insertTask(first);
        await expect(
          settle(() => store.insertTask({ ...first, summary: 'the second one' })),
        ).rejects.toThrow();
        expect(await store.getTask('t-dup')).toEqual(first);
      });

      it('reports a duplicate id through the returned promise, not by throwing', async () => {
        const first = withoutUuid(task('t-dup-async'));
        await store.insertTask(first);
        let returned: Promise<unknown> | undefined;
        let thrown: unknown;
        try {
          returned = store.insertTask(first);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeUndefined();
        await expect(returned).rejects.toThrow();
      });
    });

    describe('insertTasks (a batch, NewTasks)', () => {
      it('stores every task of the batch, in order, each as insertTask would', async () => {
        const batch = Array.from({ length: 50 }, (_, i) => task(`b-${i}`, 'PENDING', i));
        const outcomes = await store.insertTasks(batch);
        expect(outcomes).toEqual(batch.map(() => ({ inserted: true })));
        for (const t of batch) expect(await store.getTask(t.id)).toEqual(t);
        expect(await store.countTasks({})).toBe(50);
        expect(await store.countTasks({ tags: ['a:b'] })).toBe(50);
      });

      it('stores nothing of a batch that fails mid-way, and keeps what was there', async () => {
        const before = withoutUuid(task('m-existing'));
        await store.insertTask(before);
        // The fourth task's id is taken: the insert fails after three tasks went in.
        const batch = [task('m-0'), task('m-1'), task('m-2'), task('m-existing'), task('m-4')];
        await expect(settle(() => store.insertTasks(batch))).rejects.toThrow();
        expect(await store.countTasks({})).toBe(1);
        for (const id of ['m-0', 'm-1', 'm-2', 'm-4'])
          expect(await store.getTask(id)).toBeUndefined();
        expect(await store.getTask('m-existing')).toEqual(before);
        // The uuids of the failed batch are free: the same batch without the clash goes in.
        const retry = batch.filter((t) => t.id !== 'm-existing');
        expect(await store.insertTasks(retry)).toEqual(retry.map(() => ({ inserted: true })));
      });

      it('honours request_uuid against stored tasks and inside the batch', async () => {
        const stored = task('u-stored');
        await store.insertTask(stored);
        const sameUuid = { ...task('u-again'), spec: stored.spec };
        const fresh = task('u-fresh');
        const twice = { ...task('u-twice'), spec: fresh.spec };
        const outcomes = await store.insertTasks([sameUuid, fresh, twice]);
        expect(outcomes).toEqual([
          { inserted: false, existing: stored },
          { inserted: true },
          { inserted: false, existing: fresh },
        ]);
        expect(await store.getTask('u-again')).toBeUndefined();
        expect(await store.getTask('u-twice')).toBeUndefined();
        expect(await store.countTasks({})).toBe(2);
      });

      it('serializes batches racing on the same request_uuids in opposite orders', async () => {
        const a = task('r-a');
        const b = task('r-b');
        const moved = (t: Task, id: string): Task => ({ ...t, id });
        const [one, two] = await Promise.all([
          store.insertTasks([a, b]),
          store.insertTasks([moved(b, 'r-b2'), moved(a, 'r-a2')]),
        ]);
        // Each uuid made exactly one task, whichever batch got there first.
        expect([...one!, ...two!].filter((o) => o.inserted).length).toBe(2);
        expect(await store.countTasks({})).toBe(2);
      });

      it('accepts an empty batch', async () => {
        expect(await store.insertTasks([])).toEqual([]);
      });
    });

    describe('request_uuid, dedup and queries', () => {
      it('returns the existing task for the same caller and request_uuid within 7 days', async () => {
        const first = task('uuid-1');
        expect(await store.insertTask(first)).toEqual({ inserted: true });
        const again = { ...first, id: 'uuid-2', createdAtMs: first.createdAtMs + 1000 };
        expect(await store.insertTask(again)).toEqual({ inserted: false, existing: first });
        expect(await store.getTask('uuid-2')).toBeUndefined();
      });

      it('creates a new task for the same request_uuid from another caller or after 7 days', async () => {
        const first = task('uuid-a');
        await store.insertTask(first);
        const other = {
          ...first,
          id: 'uuid-b',
          spec: { ...first.spec, authenticated: 'someone-else' },
        };
        expect(await store.insertTask(other)).toEqual({ inserted: true });
        const later = {
          ...first,
          id: 'uuid-c',
          createdAtMs: first.createdAtMs + SEVEN_DAYS_MS + 1,
        };
        expect(await store.insertTask(later)).toEqual({ inserted: true });
      });

      it('finds a dedup source only among COMPLETED, exit 0, non-deduped idempotent tasks', async () => {
        const hash = SPEC.slices[0]!.propertiesHash;
        const done = (id: string, over: Partial<Task>): Task => ({
          ...task(id, 'COMPLETED'),
          exitCode: 0,
          completedAtMs: T0 + 5000,
          ...over,
        });
        await store.insertTask(done('d-fail', { exitCode: 1, failure: true }));
        await store.insertTask(done('d-dedup', { dedupedFrom: 'elsewhere' }));
        await store.insertTask(done('d-other-slice', { currentSlice: 1 }));
        expect(await store.findDedupSource(hash, T0)).toBeUndefined();
        await store.insertTask(done('d-good', {}));
        expect((await store.findDedupSource(hash, T0))?.id).toBe('d-good');
        expect(await store.findDedupSource(hash, T0 + 6000)).toBeUndefined();
        expect(await store.findDedupSource('f'.repeat(64), T0)).toBeUndefined();
      });

      it('streams PENDING tasks for the scheduler: current slice dims and cumulative deadline', async () => {
        const base = task('fp-1', 'PENDING', 5);
        await store.insertTask({
          ...base,
          currentSlice: 1,
          spec: { ...base.spec, terminate: { reason: 'retire' } },
        });
        await store.insertTask(task('fp-0', 'PENDING', 1));
        await store.insertTask(task('fp-run', 'RUNNING', 2));
        const seen: Array<{
          taskId: string;
          dims: string;
          deadlineAtMs: number;
          priority: number;
          pool: string;
          terminate: boolean;
        }> = [];
        const n = await store.forEachPending((e) =>
          seen.push({
            taskId: e.taskId,
            dims: e.dimensions.map((d) => `${d.key}=${d.value}`).join(','),
            deadlineAtMs: e.deadlineAtMs,
            priority: e.priority,
            pool: e.pool,
            terminate: e.terminate,
          }),
        );
        expect(n).toBe(2);
        const slices = SPEC.slices;
        expect(seen).toEqual([
          {
            taskId: 'fp-0',
            dims: slices[0]!.properties.dimensions.map((d) => `${d.key}=${d.value}`).join(','),
            deadlineAtMs: T0 + 1 + slices[0]!.expirationSecs * 1000,
            priority: SPEC.priority,
            pool: 'ci',
            terminate: false,
          },
          {
            taskId: 'fp-1',
            dims: slices[1]!.properties.dimensions.map((d) => `${d.key}=${d.value}`).join(','),
            deadlineAtMs: T0 + 5 + (slices[0]!.expirationSecs + slices[1]!.expirationSecs) * 1000,
            priority: SPEC.priority,
            pool: 'ci',
            terminate: true,
          },
        ]);
      });

      it('lists newest first with paging, and filters by state, outcome, tags and time', async () => {
        const tagged = (
          id: string,
          tags: string[],
          offset: number,
          state: StoredTaskState = 'PENDING',
        ) => {
          const t = task(id, state, offset);
          return { ...t, spec: { ...t.spec, tags } };
        };
        await store.insertTask(tagged('q1', ['a:1', 'b:2'], 1));
        await store.insertTask(tagged('q2', ['a:1'], 2, 'RUNNING'));
        await store.insertTask({ ...tagged('q3', ['a:1', 'b:2'], 3, 'COMPLETED'), exitCode: 0 });
        await store.insertTask({ ...tagged('q4', [], 4, 'COMPLETED'), exitCode: 2, failure: true });
        const ids = (p: { tasks: Task[] }) => p.tasks.map((t) => t.id);

        const first = await store.listTasks({}, { limit: 3 });
        expect(ids(first)).toEqual(['q4', 'q3', 'q2']);
        expect(first.cursor).not.toBe('');
        const second = await store.listTasks({}, { limit: 3, cursor: first.cursor });
        expect(ids(second)).toEqual(['q1']);
        expect(second.cursor).toBe('');

        expect(ids(await store.listTasks({ tags: ['a:1', 'b:2'] }, { limit: 10 }))).toEqual([
          'q3',
          'q1',
        ]);
        expect(
          ids(await store.listTasks({ states: ['PENDING', 'RUNNING'] }, { limit: 10 })),
        ).toEqual(['q2', 'q1']);
        expect(
          ids(await store.listTasks({ states: ['COMPLETED'], outcome: 'success' }, { limit: 10 })),
        ).toEqual(['q3']);
        expect(
          ids(await store.listTasks({ states: ['COMPLETED'], outcome: 'failure' }, { limit: 10 })),
        ).toEqual(['q4']);
        expect(
          ids(await store.listTasks({ startMs: T0 + 2, endMs: T0 + 4 }, { limit: 10 })),
        ).toEqual(['q3', 'q2']);
        expect(await store.countTasks({ tags: ['a:1'] })).toBe(3);
        expect(await store.countTasks({})).toBe(4);
        await expect(store.listTasks({}, { limit: 1, cursor: 'garbage' })).rejects.toThrow(
          /cursor/,
        );
      });

      it('filters by pool (a task in several pools is its pools joined by |) and by bot', async () => {
        const inPools = (id: string, offset: number, ...pools: string[]): Task => {
          const dims = pools.map((p) => ({ key: 'pool', value: p }));
          const t = task(id, 'PENDING', offset);
          return { ...t, spec: { ...t.spec, slices: [slice(60, false, dims)] } };
        };
        await store.insertTask(inPools('p-ci', 1, 'ci'));
        await store.insertTask(inPools('p-gpu', 2, 'gpu'));
        await store.insertTask(inPools('p-both', 3, 'gpu|ci'));
        await store.insertTask(inPools('p-none', 4));
        await store.insertTask({
          ...inPools('p-ran', 5, 'ci'),
          state: 'RUNNING',
          botId: 'bot-7',
          leaseId: 'l',
        });
        const ids = async (q: Parameters<Store['listTasks']>[0]) =>
          (await store.listTasks(q, { limit: 10 })).tasks.map((t) => t.id);
        expect(await ids({ pools: ['ci'] })).toEqual(['p-ran', 'p-ci']);
        expect(await ids({ pools: ['ci', 'gpu'] })).toEqual(['p-ran', 'p-gpu', 'p-ci']);
        expect(await ids({ pools: ['ci|gpu'] })).toEqual(['p-both']);
        expect(await ids({ pools: [''] })).toEqual(['p-none']);
        expect(await ids({ pools: [] })).toEqual([]);
        expect(await store.countTasks({ pools: ['gpu'] })).toBe(1);
        expect(await store.countTasks({ pools: [] })).toBe(0);
        expect(await ids({ botId: 'bot-7' })).toEqual(['p-ran']);
        expect(await ids({ botId: 'bot-7', pools: ['gpu'] })).toEqual([]);
        expect(await store.countTasks({ botId: 'nobody' })).toBe(0);
      });

      it('sorts by started or completed time, listing only tasks that have it', async () => {
        const timed = (
          id: string,
          state: StoredTaskState,
          at: number,
          started: number,
          done?: number,
        ): Task => ({
          ...task(id, state, at),
          startedAtMs: T0 + started,
          completedAtMs: done === undefined ? null : T0 + done,
        });
        await store.insertTask(timed('s1', 'COMPLETED', 1, 10, 20));
        await store.insertTask(timed('s2', 'COMPLETED', 2, 5, 30));
        await store.insertTask(timed('s3', 'RUNNING', 3, 15));
        await store.insertTask(task('s4', 'PENDING', 4));
        const ids = (p: { tasks: Task[] }) => p.tasks.map((t) => t.id);

        const first = await store.listTasks({ sort: 'started' }, { limit: 2 });
        expect(ids(first)).toEqual(['s3', 's1']);
        const rest = await store.listTasks({ sort: 'started' }, { limit: 2, cursor: first.cursor });
        expect(ids(rest)).toEqual(['s2']);
        expect(rest.cursor).toBe('');
        expect(ids(await store.listTasks({ sort: 'completed' }, { limit: 10 }))).toEqual([
          's2',
          's1',
        ]);
        // start/end bound the sort's time.
        expect(
          ids(
            await store.listTasks(
              { sort: 'started', startMs: T0 + 6, endMs: T0 + 15 },
              { limit: 10 },
            ),
          ),
        ).toEqual(['s1']);
        expect(await store.countTasks({ sort: 'started' })).toBe(3);
        expect(await store.countTasks({ sort: 'completed' })).toBe(2);
        expect(await store.countTasks({})).toBe(4);
        // A cursor of one sort is no cursor of another.
        const created = await store.listTasks({}, { limit: 1 });
        await expect(
          store.listTasks({ sort: 'started' }, { limit: 1, cursor: created.cursor }),
        ).rejects.toThrow(/cursor/);
        await expect(store.listTasks({}, { limit: 1, cursor: first.cursor })).rejects.toThrow(
          /cursor/,
        );
      });

      it('finds tasks by a glob on their name: tag, * and ? only, case-sensitive', async () => {
        const named = (id: string, offset: number, tags: string[]): Task => {
          const t = task(id, 'PENDING', offset);
          return { ...t, spec: { ...t.spec, tags } };
        };
        await store.insertTask(named('n1', 1, ['name:build-linux']));
        await store.insertTask(named('n2', 2, ['name:build-mac', 'user:ann']));
        await store.insertTask(named('n3', 3, ['name:t[1]%_\\x']));
        await store.insertTask(named('n4', 4, ['k:name:build-x']));
        const ids = async (nameGlob: string) =>
          (await store.listTasks({ nameGlob }, { limit: 10 })).tasks.map((t) => t.id);
        expect(await ids('build-*')).toEqual(['n2', 'n1']);
        expect(await ids('build?mac')).toEqual(['n2']);
        expect(await ids('build')).toEqual([]);
        expect(await ids('BUILD*')).toEqual([]);
        expect(await ids('t[1]%_\\x')).toEqual(['n3']);
        expect(await ids('t?1?%_*')).toEqual(['n3']);
        expect(await ids('t%')).toEqual([]);
        expect(await ids('t[1]__*')).toEqual([]);
        expect(await ids('*')).toEqual(['n3', 'n2', 'n1']);
        expect(await store.countTasks({ nameGlob: 'build*', tags: ['user:ann'] })).toBe(1);
      });
    });

    describe('updateTask', () => {
      it('applies when the stored revision is the expected one, and stores the new one', async () => {
        const pending = task('t-1');
        await store.insertTask(pending);
        const running = next(pending, {
          state: 'RUNNING',
          botId: 'bot-1',
          botDimensions: [{ key: 'pool', values: ['ci'] }],
          leaseId: 'lease-1',
          startedAtMs: T0 + 10,
          modifiedAtMs: T0 + 10,
        });
        expect(await store.updateTask(running, { revision: 0 })).toBe(true);
        expect(await store.getTask('t-1')).toEqual(running);

        const done = next(running, {
          state: 'COMPLETED',
          exitCode: 3,
          durationSecs: 1.25,
          failure: true,
          completedAtMs: T0 + 20,
          modifiedAtMs: T0 + 20,
          summary: 'done',
        });
        expect(await store.updateTask(done, { revision: 1 })).toBe(true);
        expect(await store.getTask('t-1')).toEqual({ ...done, revision: 2 });
      });

      it('writes every mutable field, including back to null and false', async () => {
        const full: Task = {
          ...task('t-every', 'RUNNING'),
          killRequestedAtMs: T0 + 5,
          processStarted: true,
          failure: true,
          internalFailure: true,
          dedupedFrom: 'x',
          exitCode: 1,
          durationSecs: 2,
          abandonedAtMs: T0 + 6,
          completedAtMs: T0 + 7,
          summary: 'full',
        };
        await store.insertTask(full);
        const cleared = next(full, {
          state: 'PENDING',
          currentSlice: 1,
          modifiedAtMs: T0 + 50,
          startedAtMs: null,
          completedAtMs: null,
          abandonedAtMs: null,
          killRequestedAtMs: null,
          processStarted: false,
          botId: null,
          botDimensions: [],
          leaseId: null,
          exitCode: null,
          durationSecs: null,
          failure: false,
          internalFailure: false,
          dedupedFrom: null,
          summary: '',
        });
        expect(await store.updateTask(cleared, { revision: 0 })).toBe(true);
        expect(await store.getTask('t-every')).toEqual(cleared);
      });

      it('given the previous task, stores the same as a whole write: every change, back to null too', async () => {
        const pending = task('t-prev');
        await store.insertTask(pending);
        const running = next(pending, {
          state: 'RUNNING',
          botId: 'bot-1',
          botDimensions: [{ key: 'pool', values: ['ci'] }],
          leaseId: 'lease-1',
          startedAtMs: T0 + 10,
          modifiedAtMs: T0 + 10,
        });
        expect(await store.updateTask(running, { revision: 0, previous: pending })).toBe(true);
        expect(await store.getTask('t-prev')).toEqual(running);
        // Back to waiting, in its next slice (its bot died before starting it): fields cleared.
        const again = next(running, {
          state: 'PENDING',
          currentSlice: 1,
          botId: null,
          botDimensions: [],
          leaseId: null,
          startedAtMs: null,
          modifiedAtMs: T0 + 20,
        });
        expect(await store.updateTask(again, { revision: 1, previous: running })).toBe(true);
        expect(await store.getTask('t-prev')).toEqual(again);
        expect(await store.listRunningTasksOf('bot-1')).toEqual([]);
        // A previous of another revision is not trusted (this one would say state, slice and bot
        // dimensions are unchanged): the whole task is written.
        const redispatched = next(again, {
          state: 'RUNNING',
          currentSlice: 0,
          botId: 'bot-2',
          botDimensions: [{ key: 'pool', values: ['ci'] }],
          leaseId: 'lease-2',
          startedAtMs: T0 + 30,
          modifiedAtMs: T0 + 30,
        });
        expect(await store.updateTask(redispatched, { revision: 2, previous: running })).toBe(true);
        expect(await store.getTask('t-prev')).toEqual(redispatched);
        // A finish: the result, and the task a dedup source (its idempotent slice, exit 0).
        const done = next(redispatched, {
          state: 'COMPLETED',
          exitCode: 0,
          durationSecs: 1.5,
          summary: 'ok',
          completedAtMs: T0 + 40,
          modifiedAtMs: T0 + 40,
        });
        expect(await store.updateTask(done, { revision: 3, previous: redispatched })).toBe(true);
        expect(await store.getTask('t-prev')).toEqual(done);
        expect((await store.findDedupSource(SPEC.slices[0]!.propertiesHash, T0))?.id).toBe(
          't-prev',
        );
        // The conditional write holds as without it.
        const stale = next(again, { state: 'CANCELED', modifiedAtMs: T0 + 50 });
        expect(await store.updateTask(stale, { revision: 2, previous: again })).toBe(false);
        expect(await store.getTask('t-prev')).toEqual(done);
      });

      it('keeps the revision a task was inserted with (dispatched at creation: 1)', async () => {
        const dispatched: Task = { ...task('t-born-running', 'RUNNING'), revision: 1 };
        await store.insertTask(dispatched);
        expect(await store.getTask('t-born-running')).toEqual(dispatched);
        const finish = { state: 'COMPLETED', exitCode: 0, completedAtMs: T0 + 3 } as const;
        // A successor of revision 0, which the task never had in the store.
        const early = next({ ...dispatched, revision: 0 }, finish);
        expect(await store.updateTask(early, { revision: 0 })).toBe(false);
        expect(await store.getTask('t-born-running')).toEqual(dispatched);
        const done = next(dispatched, finish);
        expect(await store.updateTask(done, { revision: 1 })).toBe(true);
        expect(await store.getTask('t-born-running')).toEqual(done);
      });

      it('refuses a write over a revision that is no longer stored and leaves the task unchanged', async () => {
        const running = task('t-2', 'RUNNING');
        await store.insertTask(running);
        const started = next(running, { processStarted: true, modifiedAtMs: T0 + 50 });
        expect(await store.updateTask(started, { revision: 0 })).toBe(true);
        // Computed from the copy read at revision 0, before the write above.
        const stale = next(running, { state: 'CANCELED', modifiedAtMs: T0 + 99 });
        expect(await store.updateTask(stale, { revision: 0 })).toBe(false);
        expect(await store.getTask('t-2')).toEqual(started);
      });

      it('throws on a successor that is not one revision past the expected one, writing nothing', async () => {
        const pending = task('t-3');
        await store.insertTask(pending);
        const same: Task = { ...pending, summary: 'same revision' };
        const skipped: Task = { ...pending, summary: 'two ahead', revision: 2 };
        await expect(settle(() => store.updateTask(same, { revision: 0 }))).rejects.toThrow(
          /revision/,
        );
        await expect(settle(() => store.updateTask(skipped, { revision: 0 }))).rejects.toThrow(
          /revision/,
        );
        expect(await store.getTask('t-3')).toEqual(pending);
      });

      it('applies exactly one of two racing writes from the same expected revision', async () => {
        const pending = task('t-race');
        await store.insertTask(pending);
        const claim = (bot: string): Task =>
          next(pending, {
            state: 'RUNNING',
            botId: bot,
            leaseId: `lease-${bot}`,
            modifiedAtMs: T0 + 5,
          });
        const outcomes = await Promise.all([
          store.updateTask(claim('a'), { revision: 0 }),
          store.updateTask(claim('b'), { revision: 0 }),
          store.insertTask(task('t-race-2')),
        ]);
        const [a, b] = outcomes;
        expect([a, b].filter((won) => won === true)).toHaveLength(1);
        expect(await store.getTask('t-race')).toEqual(claim(a === true ? 'a' : 'b'));
        expect(await store.getTask('t-race-2')).toEqual(task('t-race-2'));
      });

      it('refuses a write to an unknown task without creating it', async () => {
        const ghost = next(task('t-ghost'), { summary: 'ghost' });
        expect(await store.updateTask(ghost, { revision: 0 })).toBe(false);
        expect(await store.getTask('t-ghost')).toBeUndefined();
      });

      it('never touches outputSize, which appendOutput owns, nor does appendOutput the revision', async () => {
        const running = task('t-6', 'RUNNING');
        await store.insertTask(running);
        expect(await store.appendOutput('t-6', 'lease-1', 0, bytes('hello'))).toEqual({
          kind: 'appended',
          size: 5,
        });
        expect((await store.getTask('t-6'))?.revision).toBe(0);
        // A transition computed from a copy read before the output arrived.
        const stale = next(running, { outputSize: 0, state: 'COMPLETED', exitCode: 0 });
        expect(await store.updateTask(stale, { revision: 0 })).toBe(true);
        expect(await store.getTask('t-6')).toEqual({ ...stale, outputSize: 5 });
        const bogus = next(stale, { outputSize: 999, summary: 'again' });
        expect(await store.updateTask(bogus, { revision: 1 })).toBe(true);
        expect((await store.getTask('t-6'))?.outputSize).toBe(5);
      });

      it('starts a task on at most one bot when many race for it', async () => {
        const pending = task('t-race-many');
        await store.insertTask(pending);
        const bots = Array.from({ length: 16 }, (_, i) => `bot-${i}`);
        const results = await Promise.all(
          bots.map((botId) =>
            store.updateTask(
              next(pending, {
                state: 'RUNNING',
                botId,
                leaseId: `lease-${botId}`,
                startedAtMs: T0,
              }),
              { revision: 0 },
            ),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = bots[results.indexOf(true)];
        expect((await store.getTask('t-race-many'))?.botId).toBe(winner);
      });
    });

    describe('concurrent writers (two handles on one database, as two replicas)', () => {
      let other: Store;

      beforeEach(async () => {
        other = await opened.reopen();
      });

      afterEach(async () => {
        await other.close();
      });

      /**
       * What the coordinator does with one event: read, transition, write over the revision read;
       * when the write loses, read again and transition anew. Returns the attempts it took.
       */
      async function apply(on: Store, id: string, event: TaskEvent, nowMs: number) {
        const attempts: boolean[] = [];
        for (let i = 0; i < 5; i++) {
          const read = await on.getTask(id);
          if (read === undefined) throw new Error(`task ${id} is missing`);
          const outcome = transition(read, event, nowMs);
          if ('refused' in outcome) throw new Error(`refused: ${outcome.refused}`);
          const applied = await on.updateTask(outcome.task, { revision: read.revision });
          attempts.push(applied);
          if (applied) return attempts;
        }
        return attempts;
      }

      it('applies exactly one of two writes over one revision; the loser re-reads the winner and re-applies', async () => {
        const running = task('cw-1', 'RUNNING');
        await store.insertTask(running);
        const kill = transition(running, { type: 'cancel', killRunning: true }, T0 + 10);
        const started = transition(
          running,
          { type: 'process-started', leaseId: 'lease-1' },
          T0 + 11,
        );
        if ('refused' in kill || 'refused' in started) throw new Error('refused');
        const [a, b] = await Promise.all([
          store.updateTask(kill.task, { revision: 0 }),
          other.updateTask(started.task, { revision: 0 }),
        ]);
        expect([a, b].filter(Boolean)).toHaveLength(1);
        const loser = a ? other : store;
        const reread = await loser.getTask('cw-1');
        expect(reread?.revision).toBe(1);
        expect(reread).toEqual(a ? kill.task : started.task);
        const retried = transition(
          reread!,
          a
            ? { type: 'process-started', leaseId: 'lease-1' }
            : { type: 'cancel', killRunning: true },
          T0 + 12,
        );
        if ('refused' in retried) throw new Error('refused');
        expect(await loser.updateTask(retried.task, { revision: 1 })).toBe(true);
        const final = await store.getTask('cw-1');
        // The kill is the first write's when it won, the retry's (at T0 + 12) when it lost.
        expect(final).toMatchObject({
          revision: 2,
          processStarted: true,
          killRequestedAtMs: a ? T0 + 10 : T0 + 12,
        });
      });

      it('keeps both a kill request and a process start racing on one RUNNING task', async () => {
        for (let round = 0; round < 5; round++) {
          const id = `cw-race-${round}`;
          await store.insertTask(task(id, 'RUNNING'));
          const [killed, started] = await Promise.all([
            apply(store, id, { type: 'cancel', killRunning: true }, T0 + 20),
            apply(other, id, { type: 'process-started', leaseId: 'lease-1' }, T0 + 21),
          ]);
          expect(killed.at(-1)).toBe(true);
          expect(started.at(-1)).toBe(true);
          const final = await other.getTask(id);
          expect(final?.processStarted).toBe(true);
          expect(final?.killRequestedAtMs).toBe(T0 + 20);
          expect(final?.state).toBe('RUNNING');
          expect(final?.revision).toBe(2);
        }
      });

      it('lets exactly one of two handles dispatch a PENDING task', async () => {
        const pending = task('cw-claim');
        await store.insertTask(pending);
        const dispatch = (botId: string) =>
          transition(
            pending,
            {
              type: 'dispatch',
              botId,
              botDimensions: [
                { key: 'os', values: ['Linux', 'Linux-Debian'] },
                { key: 'pool', values: ['ci'] },
              ],
              leaseId: `lease-${botId}`,
            },
            T0 + 1,
          );
        const [one, two] = [dispatch('bot-a'), dispatch('bot-b')];
        if ('refused' in one || 'refused' in two) throw new Error('refused');
        const won = await Promise.all([
          store.updateTask(one.task, { revision: 0 }),
          other.updateTask(two.task, { revision: 0 }),
        ]);
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await other.getTask('cw-claim')).toEqual(won[0] ? one.task : two.task);
        // The loser's retry sees a RUNNING task: transition refuses, nothing more is written.
        const again = transition(
          (await store.getTask('cw-claim'))!,
          {
            type: 'dispatch',
            botId: 'bot-c',
            botDimensions: [],
            leaseId: 'lease-c',
          },
          T0 + 2,
        );
        expect(again).toEqual({ refused: 'not-pending' });
      });
    });

    describe('listRunningTasksOf', () => {
      it("returns the bot's RUNNING tasks only, oldest first", async () => {
        const on = (t: Task, botId: string): Task => ({ ...t, botId });
        await store.insertTask(on(task('r-late', 'RUNNING', 30), 'bot-1'));
        await store.insertTask(on(task('r-early', 'RUNNING', 10), 'bot-1'));
        await store.insertTask(on(task('r-other-bot', 'RUNNING', 20), 'bot-2'));
        await store.insertTask(on(task('r-done', 'COMPLETED', 5), 'bot-1'));
        await store.insertTask(task('r-pending', 'PENDING', 1));
        const ids = async (botId: string) =>
          (await store.listRunningTasksOf(botId)).map((t) => t.id);
        expect(await ids('bot-1')).toEqual(['r-early', 'r-late']);
        expect(await ids('bot-2')).toEqual(['r-other-bot']);
        expect(await ids('nobody')).toEqual([]);
        expect((await store.listRunningTasksOf('bot-2'))[0]).toEqual(
          on(task('r-other-bot', 'RUNNING', 20), 'bot-2'),
        );
      });

      it('follows state changes made by updateTask', async () => {
        const running = task('r-1', 'RUNNING');
        await store.insertTask(running);
        expect((await store.listRunningTasksOf('bot-1')).map((t) => t.id)).toEqual(['r-1']);
        const done = next(running, { state: 'COMPLETED', exitCode: 0, completedAtMs: T0 + 9 });
        expect(await store.updateTask(done, { revision: 0 })).toBe(true);
        expect(await store.listRunningTasksOf('bot-1')).toEqual([]);
      });
    });

    describe('outputs', () => {
      const OUTPUTS = {
        files: [
          { path: 'report.json', size: 0, digest: 'e3b0c442'.padEnd(64, '0') },
          { path: 'a b/ünï/bin.dat', size: 3 * 1024 ** 2 + 1, digest: 'f'.repeat(64) },
        ],
        truncated: false,
      };

      it('records the outputs in the same write as the final state, and only with it', async () => {
        const running = task('t-out', 'RUNNING');
        await store.insertTask(running);
        const done = next(running, {
          state: 'COMPLETED',
          exitCode: 0,
          completedAtMs: T0 + 30,
          modifiedAtMs: T0 + 30,
          outputs: OUTPUTS,
        });
        // A stale revision: neither the state nor the outputs are written.
        expect(await store.updateTask(next(done, {}), { revision: 1 })).toBe(false);
        expect((await store.getTask('t-out'))?.outputs).toBeUndefined();
        expect(await store.updateTask(done, { revision: 0 })).toBe(true);
        const got = await store.getTask('t-out');
        expect(got).toEqual(done);
        expect(got?.outputs).toEqual(OUTPUTS);
      });

      it('records what fetching the inputs cost with the final state, absent without it', async () => {
        const running = task('t-fetch', 'RUNNING');
        await store.insertTask(running);
        const done = next(running, {
          state: 'COMPLETED',
          exitCode: 0,
          completedAtMs: T0 + 30,
          inputsFetch: { durationSecs: 1.25, bytes: 52_428_800 },
        });
        expect(await store.updateTask(done, { revision: 0 })).toBe(true);
        expect((await store.getTask('t-fetch'))?.inputsFetch).toEqual({
          durationSecs: 1.25,
          bytes: 52_428_800,
        });
        await store.insertTask(task('t-no-fetch', 'COMPLETED'));
        expect(await store.getTask('t-no-fetch')).not.toHaveProperty('inputsFetch');
      });

      it('keeps a truncated empty list apart from no outputs at all', async () => {
        const truncated: Task = {
          ...task('t-trunc', 'COMPLETED'),
          outputs: { files: [], truncated: true },
        };
        await store.insertTask(truncated);
        await store.insertTask(task('t-none', 'COMPLETED'));
        expect((await store.getTask('t-trunc'))?.outputs).toEqual({ files: [], truncated: true });
        expect(await store.getTask('t-none')).not.toHaveProperty('outputs');
        const [listed] = (
          await store.listTasks({ states: ['COMPLETED'] }, { limit: 10 })
        ).tasks.filter((t) => t.id === 't-trunc');
        expect(listed?.outputs).toEqual({ files: [], truncated: true });
      });

      it('keeps the named caches of a slice in the spec', async () => {
        const base = task('t-caches');
        const slice0 = base.spec.slices[0]!;
        const withCaches: Task = {
          ...base,
          spec: {
            ...base.spec,
            slices: [
              {
                ...slice0,
                properties: {
                  ...slice0.properties,
                  caches: [
                    { name: 'git_cache', path: 'cache/git' },
                    { name: 'npm', path: '.npm' },
                  ],
                },
              },
              ...base.spec.slices.slice(1),
            ],
          },
        };
        await store.insertTask(withCaches);
        expect(await store.getTask('t-caches')).toEqual(withCaches);
      });
    });

    describe('listTasksInStates', () => {
      it('returns only tasks in the given states, oldest first', async () => {
        const tasks = [
          task('c', 'PENDING', 3_000),
          task('a', 'RUNNING', 5_000),
          task('d', 'COMPLETED', 1_000),
          task('b', 'PENDING', 2_000),
          task('e', 'RUNNING', 4_000),
          task('f', 'EXPIRED', 0),
        ];
        for (const t of tasks) await store.insertTask(t);
        const active = await store.listTasksInStates(['PENDING', 'RUNNING']);
        expect(active.map((t) => t.id)).toEqual(['b', 'c', 'e', 'a']);
        expect(active[0]).toEqual(tasks[3]);
        expect((await store.listTasksInStates(['RUNNING'])).map((t) => t.id)).toEqual(['e', 'a']);
        expect((await store.listTasksInStates(['COMPLETED', 'EXPIRED'])).map((t) => t.id)).toEqual([
          'f',
          'd',
        ]);
      });

      it('returns nothing for no states or states nobody is in', async () => {
        await store.insertTask(task('x', 'PENDING'));
        expect(await store.listTasksInStates([])).toEqual([]);
        expect(await store.listTasksInStates(['KILLED', 'BOT_DIED'])).toEqual([]);
      });

      it('follows state changes made by updateTask', async () => {
        const pending = task('y');
        await store.insertTask(pending);
        await store.updateTask(next(pending, { state: 'CANCELED', abandonedAtMs: T0 + 1 }), {
          revision: 0,
        });
        expect(await store.listTasksInStates(['PENDING'])).toEqual([]);
        expect((await store.listTasksInStates(['CANCELED'])).map((t) => t.id)).toEqual(['y']);
      });
    });

    describe('appendOutput', () => {
      beforeEach(async () => {
        await store.insertTask(task('run', 'RUNNING'));
      });

      const read = async (taskId = 'run'): Promise<string> =>
        text(await store.readOutput(taskId, 0, 1 << 20));

      it('appends chunks in order and tracks the size', async () => {
        expect(await store.appendOutput('run', 'lease-1', 0, bytes('hello'))).toEqual({
          kind: 'appended',
          size: 5,
        });
        expect(await store.appendOutput('run', 'lease-1', 5, bytes(' world'))).toEqual({
          kind: 'appended',
          size: 11,
        });
        expect(await read()).toBe('hello world');
        expect((await store.getTask('run'))?.outputSize).toBe(11);
      });

      it('reports a resend of stored bytes as a duplicate and stores nothing', async () => {
        await store.appendOutput('run', 'lease-1', 0, bytes('hello world'));
        expect(await store.appendOutput('run', 'lease-1', 0, bytes('hello world'))).toEqual({
          kind: 'duplicate',
          size: 11,
        });
        expect(await store.appendOutput('run', 'lease-1', 3, bytes('lo w'))).toEqual({
          kind: 'duplicate',
          size: 11,
        });
        expect(await store.appendOutput('run', 'lease-1', 11, new Uint8Array(0))).toEqual({
          kind: 'duplicate',
          size: 11,
        });
        expect(await read()).toBe('hello world');
        expect((await store.getTask('run'))?.outputSize).toBe(11);
      });

      it('appends only the new tail of an overlapping resend', async () => {
        await store.appendOutput('run', 'lease-1', 0, bytes('hello'));
        expect(await store.appendOutput('run', 'lease-1', 3, bytes('lo world'))).toEqual({
          kind: 'appended',
          size: 11,
        });
        expect(await read()).toBe('hello world');
        expect(await store.appendOutput('run', 'lease-1', 0, bytes('hello world!'))).toEqual({
          kind: 'appended',
          size: 12,
        });
        expect(await read()).toBe('hello world!');
      });

      it('keeps the stored bytes when an overlapping resend differs', async () => {
        await store.appendOutput('run', 'lease-1', 0, bytes('abc'));
        // Covers [1,5): [1,3) is stored already and kept, only [3,5) "Zd" is new.
        expect(await store.appendOutput('run', 'lease-1', 1, bytes('XYZd'))).toEqual({
          kind: 'appended',
          size: 5,
        });
        expect(await read()).toBe('abcZd');
      });

      it('refuses a chunk past the end as a gap', async () => {
        await store.appendOutput('run', 'lease-1', 0, bytes('hello'));
        expect(await store.appendOutput('run', 'lease-1', 6, bytes('world'))).toEqual({
          kind: 'refused',
          reason: 'gap',
          size: 5,
        });
        expect(await read()).toBe('hello');
        expect((await store.getTask('run'))?.outputSize).toBe(5);
      });

      it('refuses output carrying a stale lease', async () => {
        await store.appendOutput('run', 'lease-1', 0, bytes('hello'));
        expect(await store.appendOutput('run', 'lease-0', 5, bytes(' world'))).toEqual({
          kind: 'refused',
          reason: 'stale-lease',
          size: 5,
        });
        expect(await read()).toBe('hello');
      });

      it('refuses output for an unknown task', async () => {
        expect(await store.appendOutput('nope', 'lease-1', 0, bytes('x'))).toEqual({
          kind: 'refused',
          reason: 'unknown-task',
          size: 0,
        });
        expect(await read('nope')).toBe('');
      });

      it('refuses output for a task that is not RUNNING', async () => {
        await store.insertTask(task('pend'));
        expect(await store.appendOutput('pend', 'lease-1', 0, bytes('x'))).toEqual({
          kind: 'refused',
          reason: 'stale-lease',
          size: 0,
        });
        const running = await store.getTask('run');
        if (running === undefined) throw new Error('task run is missing');
        await store.appendOutput('run', 'lease-1', 0, bytes('final words'));
        await store.updateTask(
          next(running, { state: 'COMPLETED', exitCode: 0, completedAtMs: T0 + 9 }),
          { revision: running.revision },
        );
        // A late chunk under the lease the task finished with.
        expect(await store.appendOutput('run', 'lease-1', 11, bytes('late'))).toEqual({
          kind: 'refused',
          reason: 'stale-lease',
          size: 11,
        });
        expect(await read()).toBe('final words');
      });

      it('stores exactly the bytes of a view into a larger buffer', async () => {
        const backing = bytes('XXXXhello worldYYYY');
        const view = backing.subarray(4, 15);
        expect(await store.appendOutput('run', 'lease-1', 0, view)).toEqual({
          kind: 'appended',
          size: 11,
        });
        const overlapping = backing.subarray(4, 17); // "hello worldYY" resent from offset 0
        expect(await store.appendOutput('run', 'lease-1', 0, overlapping)).toEqual({
          kind: 'appended',
          size: 13,
        });
        const tail = backing.subarray(15, 19); // "YYYY" of which "YY" is new, from offset 11
        expect(await store.appendOutput('run', 'lease-1', 11, tail)).toEqual({
          kind: 'appended',
          size: 15,
        });
        expect(await read()).toBe('hello worldYYYY');
      });

      it('stores binary bytes unchanged', async () => {
        const data = new Uint8Array(256).map((_, i) => i);
        await store.appendOutput('run', 'lease-1', 0, data.subarray(0, 100));
        await store.appendOutput('run', 'lease-1', 100, data.subarray(100));
        expect(new Uint8Array(await store.readOutput('run', 0, 1000))).toEqual(data);
      });
    });

    describe('readOutput', () => {
      beforeEach(async () => {
        await store.insertTask(task('out', 'RUNNING'));
        // Three chunks: [0,3) "abc", [3,7) "defg", [7,10) "hij".
        await store.appendOutput('out', 'lease-1', 0, bytes('abc'));
        await store.appendOutput('out', 'lease-1', 3, bytes('defg'));
        await store.appendOutput('out', 'lease-1', 7, bytes('hij'));
      });

      for (const { offset, length, want, why } of [
        { offset: 0, length: 10, want: 'abcdefghij', why: 'everything' },
        { offset: 0, length: 1000, want: 'abcdefghij', why: 'fewer bytes at the end' },
        { offset: 0, length: 3, want: 'abc', why: 'exactly the first chunk' },
        { offset: 3, length: 4, want: 'defg', why: 'exactly a middle chunk' },
        { offset: 2, length: 3, want: 'cde', why: 'across a chunk boundary' },
        { offset: 1, length: 8, want: 'bcdefghi', why: 'across three chunks' },
        { offset: 4, length: 2, want: 'ef', why: 'inside a chunk' },
        { offset: 5, length: 100, want: 'fghij', why: 'from the middle of a chunk to the end' },
        { offset: 9, length: 1, want: 'j', why: 'the last byte' },
        { offset: 10, length: 5, want: '', why: 'nothing at the end' },
        { offset: 50, length: 5, want: '', why: 'nothing past the end' },
        { offset: 5, length: 0, want: '', why: 'nothing for length 0' },
      ]) {
        it(`reads ${why} (offset ${offset}, length ${length})`, async () => {
          const got = await store.readOutput('out', offset, length);
          expect(Buffer.isBuffer(got)).toBe(true);
          expect(text(got)).toBe(want);
        });
      }

      it('reads nothing for an unknown task', async () => {
        expect((await store.readOutput('unknown', 0, 100)).length).toBe(0);
      });

      it('reads across the chunk boundary an overlapping resend made', async () => {
        await store.insertTask(task('ovl', 'RUNNING'));
        await store.appendOutput('ovl', 'lease-1', 0, bytes('hello'));
        await store.appendOutput('ovl', 'lease-1', 3, bytes('lo world'));
        expect(text(await store.readOutput('ovl', 4, 3))).toBe('o w');
        expect(text(await store.readOutput('ovl', 5, 6))).toBe(' world');
      });

      it('keeps the output of each task apart', async () => {
        await store.insertTask(task('other', 'RUNNING'));
        await store.appendOutput('other', 'lease-1', 0, bytes('XYZ'));
        expect(text(await store.readOutput('out', 0, 100))).toBe('abcdefghij');
        expect(text(await store.readOutput('other', 0, 100))).toBe('XYZ');
      });
    });

    describe('bots', () => {
      it('returns a bot as upserted, with no admin state', async () => {
        const b = bot('bot-1');
        await store.upsertBot(report(b));
        expect(await store.getBot('bot-1')).toEqual(b);
        expect(b.admin).toEqual({ quarantinedReason: '', maintenance: false, maintenanceMsg: '' });
      });

      it('keeps the admin state across upserts and changes only what a patch names', async () => {
        await store.upsertBot(report(bot('bot-1')));
        const q = await store.setBotAdmin('bot-1', { quarantinedReason: 'flaky disk' });
        expect(q?.admin).toEqual({
          quarantinedReason: 'flaky disk',
          maintenance: false,
          maintenanceMsg: '',
        });
        await store.setBotAdmin('bot-1', { maintenance: true, maintenanceMsg: 'new kernel' });
        await store.upsertBot(report(bot('bot-1', { version: 'v2', connected: false })));
        const got = await store.getBot('bot-1');
        expect(got?.version).toBe('v2');
        expect(got?.admin).toEqual({
          quarantinedReason: 'flaky disk',
          maintenance: true,
          maintenanceMsg: 'new kernel',
        });
        await store.setBotAdmin('bot-1', { quarantinedReason: '', maintenance: false });
        expect((await store.getBot('bot-1'))?.admin).toEqual({
          quarantinedReason: '',
          maintenance: false,
          maintenanceMsg: 'new kernel',
        });
        expect((await store.listBots())[0]?.admin.maintenanceMsg).toBe('new kernel');
      });

      it('sets no admin state on an unknown bot and creates nothing', async () => {
        expect(await store.setBotAdmin('nobody', { maintenance: true })).toBeUndefined();
        expect(await store.listBots()).toEqual([]);
      });

      it('forgets a deleted bot, which comes back fresh when it reports again', async () => {
        await store.upsertBot(report(bot('bot-1')));
        await store.setBotAdmin('bot-1', { quarantinedReason: 'bad' });
        expect(await store.deleteBot('bot-1')).toBe(true);
        expect(await store.deleteBot('bot-1')).toBe(false);
        expect(await store.getBot('bot-1')).toBeUndefined();
        const back = bot('bot-1', { firstSeenMs: T0 + 99 });
        await store.upsertBot(report(back));
        expect(await store.getBot('bot-1')).toEqual(back);
      });

      it('returns undefined for an unknown bot', async () => {
        expect(await store.getBot('nobody')).toBeUndefined();
      });

      it('marks a bot disconnected for the session that holds its row, with what it last reported', async () => {
        await store.upsertBot(report(bot('bot-1')));
        const gone = bot('bot-1', { lastSeenMs: T0 + 5_000, state: { load: 2 }, connected: false });
        expect(await store.botDisconnected(report(gone))).toBe(true);
        expect(await store.getBot('bot-1')).toEqual(gone);
      });

      it('leaves alone the row of a newer session that is connected (the bot came back first)', async () => {
        await store.upsertBot(report(bot('bot-1')));
        const back = bot('bot-1', { sessionId: 'session-2', lastSeenMs: T0 + 1_000 });
        await store.upsertBot(report(back));
        const late = bot('bot-1', { lastSeenMs: T0 + 2_000, connected: false });
        expect(await store.botDisconnected(report(late))).toBe(false);
        expect(await store.getBot('bot-1')).toEqual(back);
      });

      it('updates a row already disconnected by another session, and writes nothing for no row', async () => {
        await store.upsertBot(report(bot('bot-1', { sessionId: 'session-2', connected: false })));
        const gone = bot('bot-1', { lastSeenMs: T0 + 3_000, connected: false });
        expect(await store.botDisconnected(report(gone))).toBe(true);
        expect((await store.getBot('bot-1'))?.lastSeenMs).toBe(T0 + 3_000);
        expect((await store.getBot('bot-1'))?.connected).toBe(false);
        expect(await store.botDisconnected(report(bot('nobody')))).toBe(false);
        expect(await store.getBot('nobody')).toBeUndefined();
      });

      it('keeps firstSeen on a second upsert and updates everything else', async () => {
        await store.upsertBot(report(bot('bot-1')));
        const later = bot('bot-1', {
          dimensions: [{ key: 'pool', values: ['prod'] }],
          version: 'v2',
          firstSeenMs: T0 + 50_000,
          lastSeenMs: T0 + 60_000,
          state: { load: 1.5, quarantined: 'disk full' },
          sessionId: 'session-2',
          connected: false,
        });
        await store.upsertBot(report(later));
        expect(await store.getBot('bot-1')).toEqual({ ...later, firstSeenMs: T0 });
      });

      it('lists every bot', async () => {
        const c = bot('bot-c');
        const b = bot('bot-b', { state: {} });
        await store.upsertBot(report(c));
        await store.upsertBot(report(bot('bot-a', { connected: false })));
        await store.upsertBot(report(b));
        const a = bot('bot-a', { lastSeenMs: T0 + 1 });
        await store.upsertBot(report(a));
        const byId = (x: BotRecord, y: BotRecord): number => x.id.localeCompare(y.id);
        expect([...(await store.listBots())].sort(byId)).toEqual([a, b, c]);
      });

      it('lists nothing in an empty store', async () => {
        expect(await store.listBots()).toEqual([]);
      });
    });

    describe('bot events', () => {
      it('lists events newest first, per bot, in a time range, with paging', async () => {
        await store.appendBotEvent(botEvent('bot-a', 1));
        await store.appendBotEvent(
          botEvent('bot-a', 2, { eventType: 'task_started', taskId: 't-1', message: 'm' }),
        );
        await store.appendBotEvent(botEvent('bot-b', 2, { eventType: 'quarantined' }));
        // Same timestamp as the previous event of bot-a: insertion order breaks the tie.
        await store.appendBotEvent(botEvent('bot-a', 2, { eventType: 'task_completed' }));
        await store.appendBotEvent(botEvent('bot-a', 3, { eventType: 'disconnected' }));
        const types = (p: { events: BotEventRecord[] }) => p.events.map((e) => e.eventType);

        const first = await store.listBotEvents({ botId: 'bot-a' }, { limit: 2 });
        expect(types(first)).toEqual(['disconnected', 'task_completed']);
        const second = await store.listBotEvents(
          { botId: 'bot-a' },
          { limit: 2, cursor: first.cursor },
        );
        expect(types(second)).toEqual(['task_started', 'connected']);
        expect(second.cursor).toBe('');
        expect(second.events[0]).toEqual(
          botEvent('bot-a', 2, { eventType: 'task_started', taskId: 't-1', message: 'm' }),
        );
        expect(types(await store.listBotEvents({}, { limit: 10 }))).toHaveLength(5);
        expect(
          types(await store.listBotEvents({ startMs: T0 + 2, endMs: T0 + 3 }, { limit: 10 })),
        ).toEqual(['task_completed', 'quarantined', 'task_started']);
        await expect(store.listBotEvents({}, { limit: 1, cursor: 'garbage' })).rejects.toThrow(
          /cursor/,
        );
      });

      it('appends a batch of events in the given order, with events appended alone', async () => {
        await store.appendBotEvent(botEvent('bot-a', 1));
        await store.appendBotEvents([
          botEvent('bot-a', 2, { eventType: 'task_started', taskId: 't-1' }),
          botEvent('bot-b', 2, { eventType: 'quarantined', message: 'low disk' }),
          botEvent('bot-a', 2, { eventType: 'task_completed', taskId: 't-1' }),
        ]);
        await store.appendBotEvents([]);
        const page = await store.listBotEvents({}, { limit: 10 });
        expect(page.events).toEqual([
          botEvent('bot-a', 2, { eventType: 'task_completed', taskId: 't-1' }),
          botEvent('bot-b', 2, { eventType: 'quarantined', message: 'low disk' }),
          botEvent('bot-a', 2, { eventType: 'task_started', taskId: 't-1' }),
          botEvent('bot-a', 1),
        ]);
      });

      it('prunes events older than a cut-off and keeps events of deleted bots', async () => {
        await store.upsertBot(report(bot('bot-a')));
        await store.appendBotEvent(botEvent('bot-a', 1));
        await store.appendBotEvent(botEvent('bot-a', 10, { eventType: 'deleted' }));
        await store.deleteBot('bot-a');
        expect(await store.pruneBotEvents(T0 + 10)).toBe(1);
        const left = await store.listBotEvents({ botId: 'bot-a' }, { limit: 10 });
        expect(left.events.map((e) => e.eventType)).toEqual(['deleted']);
      });
    });

    describeGraphConformance({
      store: () => store,
      reopen: async () => (store = await opened.reopen()),
    });

    describeWebhookConformance({
      store: () => store,
      reopen: async () => (store = await opened.reopen()),
    });

    describeCasConformance({
      store: () => store,
      reopen: async () => (store = await opened.reopen()),
    });

    describeRetentionConformance({
      store: () => store,
      reopen: async () => (store = await opened.reopen()),
      second: () => opened.reopen(),
    });

    describeSecretConformance({
      store: () => store,
      reopen: async () => (store = await opened.reopen()),
    });

    describeAccessConformance({
      store: () => store,
      reopen: async () => (store = await opened.reopen()),
      second: () => opened.reopen(),
    });

    describeFleetConformance({
      store: () => store,
      reopen: async () => (store = await opened.reopen()),
    });

    describe('lifecycle', () => {
      it('can be closed twice', async () => {
        await store.close();
        await store.close();
      });

      it('keeps tasks, output and bots when the same database is opened again', async () => {
        const reopen = opened.reopen;
        const running = task('keep', 'RUNNING');
        await store.insertTask(running);
        await store.insertTask(task('keep-2', 'PENDING', 10));
        await store.appendOutput('keep', 'lease-1', 0, bytes('persisted'));
        const finished = next(running, { state: 'COMPLETED', exitCode: 0, completedAtMs: T0 + 7 });
        expect(await store.updateTask(finished, { revision: 0 })).toBe(true);
        await store.upsertBot(report(bot('bot-9')));
        await store.close();

        store = await reopen();
        expect(await store.getTask('keep')).toEqual({ ...finished, outputSize: 9 });
        expect(text(await store.readOutput('keep', 0, 100))).toBe('persisted');
        expect((await store.listTasksInStates(['PENDING'])).map((t) => t.id)).toEqual(['keep-2']);
        expect(await store.getBot('bot-9')).toEqual(bot('bot-9'));
        // The reopened store still writes.
        await store.insertTask(task('after-reopen'));
        expect(await store.getTask('after-reopen')).toEqual(task('after-reopen'));
      });
    });
  });
}
