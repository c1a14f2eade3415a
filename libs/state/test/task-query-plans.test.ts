// Each ListTasks sort, the bot filter, listRunningTasksOf and listRecentQuests are served by an
// index: the plans of the statements the stores run, asked of SQLite and PostgreSQL themselves,
// never a full scan of tasks (or of quests).
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropPgSchema,
  openPgStore,
  openSqliteStore,
  pgReachable,
  type TaskQuery,
} from '../src/index';
import { PG_TASK_SQL, pgListTasksSql } from '../src/store/pg/pg-task-query';
import { SQLITE_TASK_SQL, sqliteListTasksSql } from '../src/store/sqlite/sqlite-task-query';
import { RECENT_QUESTS_SQL as PG_RECENT_QUESTS_SQL } from '../src/store/pg/pg-graph';
import { RECENT_QUESTS_SQL as SQLITE_RECENT_QUESTS_SQL } from '../src/store/sqlite/sqlite-graph';
import { runningTasksOfSql } from '../src/store/task-filter';
import { nameGlobToLike, nameGlobToSqliteGlob } from '../src/store/task-order';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REACHABLE = await pgReachable(PG_URL);

/** The queries each sort and the bot filter make, as ListTasks sends them to the store. */
const QUERIES: [string, TaskQuery][] = [
  ['sort created', { sort: 'created' }],
  ['sort started', { sort: 'started' }],
  ['sort completed', { sort: 'completed' }],
  ['bot', { botId: 'bot-1' }],
  ['sort started, a time range', { sort: 'started', startMs: 1, endMs: 2 }],
];

describe('name globs', () => {
  it('keep * and ? and make every other character literal', () => {
    expect(nameGlobToSqliteGlob('a*b?[c]')).toBe('name:a*b?[[]c]');
    expect(nameGlobToLike('a*b?%_\\')).toBe('name:a%b_\\%\\_\\\\');
  });
});

describe('SQLite ListTasks plans', () => {
  let dir: string;
  let db: Database.Database;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-plans-'));
    const file = path.join(dir, 'drover.db');
    await openSqliteStore({ path: file }).close();
    db = new Database(file, { readonly: true });
  });

  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const planOf = (sql: string, values: unknown[]): string[] =>
    db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...values)
      .map((r) => r.detail);

  it.each(QUERIES)('uses an index on tasks for %s', (_name, query) => {
    const { sql, values } = sqliteListTasksSql(query, { limit: 101 });
    const plan = planOf(sql, values);
    expect(plan.some((d) => /^(SCAN|SEARCH) tasks USING (COVERING )?INDEX /.test(d))).toBe(true);
    expect(plan.filter((d) => /^SCAN tasks$/.test(d))).toEqual([]);
  });

  it("finds a bot's RUNNING tasks in their partial index, in order, with no sort", () => {
    const plan = planOf(runningTasksOfSql(SQLITE_TASK_SQL), ['bot-1']);
    expect(plan).toEqual([
      expect.stringMatching(/^SEARCH tasks USING INDEX tasks_running_by_bot \(bot_id=\?\)$/),
    ]);
  });

  it('reads the recent quests (the graph page) along their index, newest first, with no sort', () => {
    expect(planOf(SQLITE_RECENT_QUESTS_SQL, [50])).toEqual([
      expect.stringMatching(/^SCAN graph_quests USING (COVERING )?INDEX graph_quests_by_created$/),
    ]);
  });
});

describe.skipIf(!REACHABLE)('PostgreSQL ListTasks plans', () => {
  const schema = `drover_test_${randomBytes(6).toString('hex')}`;
  let client: pg.Client;

  beforeAll(async () => {
    await (await openPgStore({ url: PG_URL, schema })).close();
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`SET search_path TO "${schema}"`);
    // An empty table is cheapest to scan (or to bitmap-scan and sort) whatever the indexes:
    // forbid both where an index can serve, so a Seq Scan left in the plan means no index can,
    // and an Index Scan shows the index gives the order too.
    await client.query('SET enable_seqscan = off');
    await client.query('SET enable_bitmapscan = off');
  });

  afterAll(async () => {
    await client.end();
    await dropPgSchema(PG_URL, schema);
  });

  it.each(QUERIES)('uses an index on tasks for %s', async (_name, query) => {
    const { sql, values } = pgListTasksSql(query, { limit: 101 });
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index (Only )?Scan( Backward)? using tasks_by_\w+ on tasks/);
    expect(plan).not.toMatch(/Seq Scan on tasks/);
  });

  it("finds a bot's RUNNING tasks in their partial index, in order, with no sort", async () => {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${runningTasksOfSql(PG_TASK_SQL)}`,
      ['bot-1'],
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Index Scan using tasks_running_by_bot on tasks/);
    expect(plan).not.toMatch(/Seq Scan on tasks|Sort/);
  });

  it('reads the recent quests (the graph page) backwards along their index, with no sort', async () => {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${PG_RECENT_QUESTS_SQL}`,
      [50],
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(
      /Index (Only )?Scan Backward using graph_quests_by_created on graph_quests/,
    );
    expect(plan).not.toMatch(/Seq Scan|Sort/);
  });
});
