// The PostgreSQL adapter: the shared conformance suite, each test in a throwaway schema, then
// what only a shared server has (several coordinators migrating and racing at once). Skipped,
// with one line saying why, when no server answers at DROVER_TEST_PG_URL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createQuest,
  dropPgSchema,
  pgReachable,
  normalizeQuestDesc,
  openPgStore,
  type AttemptId,
  type PendingSummary,
  type Quest,
  type Store,
  type Task,
} from '../src/index';
import { LATEST_PG_VERSION, PG_MIGRATIONS } from '../src/store/pg/pg-migrations';
import { PENDING_FETCH_ROWS } from '../src/store/pg/pg-pending';
import { T0, pendingTask, slice, spec } from './fixtures';
import { describeStoreConformance } from './store-conformance';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL without its password, for the skip line. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

const REACHABLE = await pgReachable(PG_URL);

const newSchema = (): string => `drover_test_${randomBytes(6).toString('hex')}`;

const dropSchema = (schema: string): Promise<void> => dropPgSchema(PG_URL, schema);

/** Stores on fresh schemas, opened `ahead` at a time before they are needed. */
class StoreSupply {
  readonly #ready: Promise<{ schema: string; store: Store }>[] = [];
  readonly #drops: Promise<void>[] = [];
  readonly #ahead: number;

  constructor(ahead: number) {
    this.#ahead = ahead;
  }

  async take(): Promise<{ schema: string; store: Store }> {
    while (this.#ready.length <= this.#ahead) this.#ready.push(this.#open());
    const next = this.#ready.shift();
    if (next === undefined) throw new Error('unreachable: the supply was just filled');
    return next;
  }

  /** Drops the schema without making the next test wait; drain() awaits it. */
  discard(schema: string): void {
    const dropping = dropSchema(schema);
    dropping.catch(() => undefined); // reported by drain()
    this.#drops.push(dropping);
  }

  async drain(): Promise<void> {
    for (const ready of this.#ready.splice(0)) {
      const { schema, store } = await ready;
      await store.close();
      this.discard(schema);
    }
    await Promise.all(this.#drops.splice(0));
  }

  #open(): Promise<{ schema: string; store: Store }> {
    const schema = newSchema();
    const opening = openPgStore({ url: PG_URL, schema }).then((store) => ({ schema, store }));
    // Awaited by take() or drain(); this only keeps a failure from being "unhandled" meanwhile.
    opening.catch(() => undefined);
    return opening;
  }
}

// Where no server answers, the one allowed skip: the default reporter does not print the names
// of skipped suites, so say it once here too.
if (!REACHABLE) {
  console.warn(`PostgreSQL not reachable at ${shown(PG_URL)}: PostgreSQL store tests skipped`);
}

describe.skipIf(!REACHABLE)(`PostgreSQL at ${shown(PG_URL)}`, () => {
  // Opening a migrated schema (~25 relations of DDL) and dropping it cost far more than a test:
  // the next store is opened while a test runs and used schemas are dropped in the background.
  const supply = new StoreSupply(2);
  afterAll(() => supply.drain());
  describeStoreConformance('postgres', async () => {
    const { schema, store } = await supply.take();
    return {
      store,
      reopen: () => openPgStore({ url: PG_URL, schema }),
      cleanup: async () => supply.discard(schema),
    };
  });

  describe('PostgreSQL store', () => {
    const schemas: string[] = [];
    const stores: Store[] = [];

    /** A fresh schema name, dropped after the test. */
    function schemaForTest(): string {
      const schema = newSchema();
      schemas.push(schema);
      return schema;
    }

    /** An independent store (its own pool: another coordinator), closed after the test. */
    async function replica(schema: string): Promise<Store> {
      const store = await openPgStore({ url: PG_URL, schema, maxConnections: 4 });
      stores.push(store);
      return store;
    }

    async function sql<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        return (await client.query<R>(text, values)).rows;
      } finally {
        await client.end();
      }
    }

    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      for (const schema of schemas.splice(0)) await dropSchema(schema);
    });

    it('migrates once when several coordinators start on a new schema at once', async () => {
      const schema = schemaForTest();
      const opened = await Promise.all([0, 1, 2, 3].map(() => replica(schema)));
      const rows = await sql<{ version: number }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      // Every one of them works on the same tables.
      const task = pendingTask(spec([slice(60)]));
      await opened[0]!.insertTask(task);
      for (const s of opened) expect(await s.getTask(task.id)).toEqual(task);
    });

    it('refuses a schema newer than it knows, naming both versions, and changes nothing', async () => {
      const schema = schemaForTest();
      await (await replica(schema)).close();
      await sql(`INSERT INTO "${schema}".schema_migrations (version, applied_ms) VALUES ($1, 0)`, [
        LATEST_PG_VERSION + 1,
      ]);
      await expect(openPgStore({ url: PG_URL, schema })).rejects.toThrow(
        `the database schema is version ${LATEST_PG_VERSION + 1}, newer than this coordinator knows (${LATEST_PG_VERSION})`,
      );
      const rows = await sql<{ version: number }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual([
        ...PG_MIGRATIONS.map((m) => m.version),
        LATEST_PG_VERSION + 1,
      ]);
    });

    it('refuses a schema name that is not a plain lower-case identifier', async () => {
      await expect(
        openPgStore({ url: PG_URL, schema: 'x"; DROP TABLE tasks; --' }),
      ).rejects.toThrow(/schema/);
    });

    it('creates one task for racing submits of one request_uuid from two coordinators', async () => {
      const schema = schemaForTest();
      const [one, two] = [await replica(schema), await replica(schema)];
      const base = pendingTask(spec([slice(60)], { requestUuid: 'same-request' }));
      for (let round = 0; round < 10; round++) {
        const s = { ...base.spec, requestUuid: `same-request-${round}` };
        const a: Task = { ...base, id: `race-${round}-a`, spec: s };
        const b: Task = { ...base, id: `race-${round}-b`, spec: s };
        const outcomes = await Promise.all([one.insertTask(a), two.insertTask(b)]);
        expect(outcomes.filter((o) => o.inserted)).toHaveLength(1);
        const loser = outcomes.find((o) => !o.inserted);
        const winner = outcomes[0]?.inserted === true ? a : b;
        expect(loser).toEqual({ inserted: false, existing: winner });
      }
      expect(await one.countTasks({})).toBe(10);
    });

    it('lets exactly one of many coordinators claim a task', async () => {
      const schema = schemaForTest();
      const replicas = await Promise.all([0, 1, 2, 3].map(() => replica(schema)));
      for (let round = 0; round < 5; round++) {
        const pending = pendingTask(spec([slice(60)]), { id: `claim-${round}` });
        await replicas[0]!.insertTask(pending);
        const claims = replicas.flatMap((s, r) =>
          [0, 1, 2].map((i) =>
            s.updateTask(
              {
                ...pending,
                state: 'RUNNING',
                botId: `bot-${r}-${i}`,
                leaseId: `l-${r}-${i}`,
                revision: 1,
              },
              { revision: 0 },
            ),
          ),
        );
        const won = await Promise.all(claims);
        expect(won.filter(Boolean)).toHaveLength(1);
        const stored = await replicas[3]!.getTask(pending.id);
        expect(stored?.leaseId).toBe(`l-${stored?.botId?.slice(4)}`);
      }
    });

    it('streams a PENDING queue longer than one fetch, oldest first, parsing equal dims once', async () => {
      const schema = schemaForTest();
      const store = await replica(schema);
      const first = pendingTask(spec([slice(60)]), { id: 'seed' });
      await store.insertTask(first);
      const n = PENDING_FETCH_ROWS + 345;
      // Copies of the seed row, one ms apart, written by the server (insertTask would be slow).
      await sql(
        `INSERT INTO "${schema}".tasks
           SELECT ('t-' || lpad(g::text, 6, '0')) AS id, spec, state, current_slice,
                  created_ms + g, modified_ms, started_ms, completed_ms, abandoned_ms,
                  kill_requested_ms, process_started, bot_id, bot_dimensions, lease_id, exit_code,
                  duration_secs, failure, internal_failure, deduped_from, output_size, summary,
                  user_name, authenticated, request_uuid || g, priority, tags, dedup_hash, pool
             FROM "${schema}".tasks, generate_series(1, $1::int) AS g WHERE id = 'seed'`,
        [n - 1],
      );
      const seen: PendingSummary[] = [];
      expect(await store.forEachPending((e) => seen.push(e))).toBe(n);
      expect(seen).toHaveLength(n);
      expect(seen[0]?.taskId).toBe('seed');
      expect(seen.at(-1)?.taskId).toBe(`t-${String(n - 1).padStart(6, '0')}`);
      expect(seen.every((e, i) => i === 0 || e.createdAtMs > seen[i - 1]!.createdAtMs)).toBe(true);
      expect(new Set(seen.map((e) => e.dimensions)).size).toBe(1);
      expect(seen[1]?.deadlineAtMs).toBe(first.createdAtMs + 1 + 60_000);
    });

    it('stores a chunk once when two coordinators append the same resend at once', async () => {
      const schema = schemaForTest();
      const [one, two] = [await replica(schema), await replica(schema)];
      const base = pendingTask(spec([slice(60)]), { id: 'out' });
      await one.insertTask({ ...base, state: 'RUNNING', botId: 'b', leaseId: 'l' });
      const chunk = new TextEncoder().encode('0123456789');
      for (let offset = 0; offset < 50; offset += 10) {
        const outcomes = await Promise.all([
          one.appendOutput('out', 'l', offset, chunk),
          two.appendOutput('out', 'l', offset, chunk),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(['appended', 'duplicate']);
      }
      expect((await two.readOutput('out', 0, 1000)).toString()).toBe('0123456789'.repeat(5));
      expect((await one.getTask('out'))?.outputSize).toBe(50);
    });

    it('refuses one of two edges that close a cycle when two coordinators add them at once', async () => {
      const schema = schemaForTest();
      const [one, two] = [await replica(schema), await replica(schema)];
      const q = (name: string): Quest => {
        const desc = normalizeQuestDesc({
          distributorConfigName: 'drover',
          parameters: JSON.stringify({ name }),
          distributorParameters: '{"command":["true"]}',
        });
        if (!('ok' in desc)) throw new Error(desc.message);
        return createQuest(desc.ok, T0);
      };
      const [qa, qb] = [q('A'), q('B')];
      const a = { quest: qa.id, attempt: 1 };
      const b = { quest: qb.id, attempt: 1 };
      await one.ensureGraph([qa, qb], [a, b], T0);
      const token = (n: string) => Buffer.alloc(32, n);
      const run = async (store: Store, id: AttemptId, tag: string) => {
        await store.scheduleExecution(
          { attempt: id, execution: 1, activationToken: token(`a${tag}`), taskId: `t-${tag}` },
          T0,
        );
        const exec = { ...id, execution: 1 };
        await store.applyExecutionEvent(
          exec,
          { type: 'activate', activationToken: token(`a${tag}`), executionToken: token(`e${tag}`) },
          T0,
        );
        return exec;
      };
      const [execA, execB] = [await run(one, a, 'A'), await run(two, b, 'B')];
      const outcomes = await Promise.all([
        one.addDependencies(execA, token('eA'), [b], T0 + 1),
        two.addDependencies(execB, token('eB'), [a], T0 + 1),
      ]);
      expect(outcomes.filter((o) => 'cycle' in o)).toHaveLength(1);
      expect(outcomes.filter((o) => 'newEdges' in o)).toHaveLength(1);
      const edges = [...(await one.listBackDeps(a)), ...(await one.listBackDeps(b))];
      expect(edges).toHaveLength(1);
    });
  });
});
