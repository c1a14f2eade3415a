// Upgrading to the identity schema (SQLite migration 14, PostgreSQL migration 12): a database
// written by the previous version, with a task in it, opens; the task reads back as it was (nobody
// cancelled it), can be cancelled by someone, and the access tables and audit log work. The
// PostgreSQL half is skipped, with one line saying why, when no server answers at
// DROVER_TEST_PG_URL.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  dropPgSchema,
  openPgStore,
  openSqliteStore,
  pgReachable,
  type Store,
  type Task,
} from '../src/index';
import { PG_MIGRATIONS } from '../src/store/pg/pg-migrations';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations';
import { T0, pendingTask, slice, spec } from './fixtures';

const PG_URL = process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REACHABLE = await pgReachable(PG_URL);
if (!REACHABLE) console.warn('PostgreSQL not reachable at DROVER_TEST_PG_URL: its upgrade skipped');

/** The SQLite and PostgreSQL versions just before the identity schema. */
const SQLITE_BEFORE = 13;
const PG_BEFORE = 11;

const old = pendingTask(spec([slice(60)]), { id: 'from-before' });

/** What the upgraded store must do with the task stored before and with the new tables. */
async function expectUpgraded(store: Store): Promise<void> {
  const read = await store.getTask(old.id);
  expect(read).toEqual(old);
  expect(read).not.toHaveProperty('canceledBy');
  const canceled: Task = {
    ...old,
    state: 'CANCELED',
    modifiedAtMs: T0 + 1,
    completedAtMs: T0 + 1,
    canceledBy: 'alice',
    revision: old.revision + 1,
  };
  expect(await store.updateTask(canceled, { revision: old.revision })).toBe(true);
  expect(await store.getTask(old.id)).toEqual(canceled);
  const token = {
    id: 'tok-0000000000000001',
    hash: '1'.repeat(64),
    kind: 'principal' as const,
    subject: 'alice',
    description: '',
    scope: { ci: ['submit'] },
    createdMs: T0,
    createdBy: 'root',
    expiresMs: 0,
    revokedMs: 0,
    revokedBy: '',
    lastUsedMs: 0,
  };
  expect(await store.insertAccessToken(token)).toBe(true);
  expect(await store.listAccessTokens()).toEqual([token]);
  await store.appendAudit([
    {
      timeMs: T0,
      principal: 'alice',
      peer: '',
      action: 'tasks.cancel',
      target: old.id,
      details: '{}',
      result: 'ok',
      pool: '',
    },
  ]);
  expect((await store.listAudit({ limit: 10 })).map((e) => e.target)).toEqual([old.id]);
}

describe('SQLite: upgrading a file of the previous version', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`opens a version ${SQLITE_BEFORE} file, keeping its tasks, with access and audit`, async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-access-migration-'));
    const file = path.join(dir, 'drover.db');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)',
    );
    for (const m of SQLITE_MIGRATIONS.filter((x) => x.version <= SQLITE_BEFORE)) {
      db.exec(m.sql);
      m.backfill?.(db);
      db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(
        m.version,
        0,
      );
    }
    db.prepare(
      `INSERT INTO tasks (id, spec, state, current_slice, created_ms, modified_ms, priority)
       VALUES (?, ?, 'PENDING', 0, ?, ?, ?)`,
    ).run(old.id, JSON.stringify(old.spec), old.createdAtMs, old.modifiedAtMs, old.spec.priority);
    db.close();

    const store = openSqliteStore({ path: file });
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!REACHABLE)('PostgreSQL: upgrading a schema of the previous version', () => {
  let schema: string;
  afterEach(() => dropPgSchema(PG_URL, schema));

  it(`opens a version ${PG_BEFORE} schema, keeping its tasks, with access and audit`, async () => {
    schema = `drover_test_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(`SET search_path TO "${schema}"`);
      await client.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)',
      );
      for (const m of PG_MIGRATIONS.filter((x) => x.version <= PG_BEFORE)) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, 0)', [
          m.version,
        ]);
      }
      await client.query(
        `INSERT INTO tasks (id, spec, state, current_slice, created_ms, modified_ms, priority)
         VALUES ($1, $2, 'PENDING', 0, $3, $4, $5)`,
        [old.id, JSON.stringify(old.spec), old.createdAtMs, old.modifiedAtMs, old.spec.priority],
      );
    } finally {
      await client.end();
    }

    const store = await openPgStore({ url: PG_URL, schema });
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
    }
  });
});
