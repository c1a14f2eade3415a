// The SQLite adapter: the shared conformance suite on a real file in a temp dir, then what only
// SQLite has (WAL, versioned migrations).
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type Store } from '../src/index';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations';
import { pendingTask, slice, spec } from './fixtures';
import { describeStoreConformance } from './store-conformance';

function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'drover-state-sqlite-'));
}

describeStoreConformance('sqlite file', () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'drover.db');
  return Promise.resolve({
    store: openSqliteStore({ path: file }),
    reopen: () => Promise.resolve(openSqliteStore({ path: file })),
    cleanup: () => {
      fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});

const LATEST = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));

describe('SQLite store', () => {
  let dir: string;
  let file: string;
  const toClose: { close(): unknown }[] = [];

  /** Opens the store under test, closed after the test. */
  function openStore(): Store {
    const store = openSqliteStore({ path: file });
    toClose.push(store);
    return store;
  }

  /** A second, independent connection to the same file, closed after the test. */
  function peek(): Database.Database {
    const db = new Database(file);
    toClose.push(db);
    return db;
  }

  beforeEach(() => {
    dir = makeTempDir();
    file = path.join(dir, 'drover.db');
  });

  afterEach(async () => {
    for (const handle of toClose.splice(0).reverse()) await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('puts the file in WAL mode', () => {
    openStore();
    expect(peek().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('creates the directories of the path', async () => {
    file = path.join(dir, 'nested', 'deeper', 'drover.db');
    const store = openStore();
    await store.insertTask(pendingTask(spec([slice(60)])));
    expect(fs.existsSync(file)).toBe(true);
  });

  it('records each migration it applied', () => {
    openStore();
    const rows = peek()
      .prepare('SELECT version, applied_ms FROM schema_migrations ORDER BY version')
      .all() as { version: number; applied_ms: number }[];
    expect(rows.map((r) => r.version)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    for (const r of rows) expect(r.applied_ms).toBeGreaterThan(0);
  });

  it('does not re-apply migrations when the file is opened again', async () => {
    const first = openStore();
    const task = pendingTask(spec([slice(60)]));
    await first.insertTask(task);
    const before = peek().prepare('SELECT version, applied_ms FROM schema_migrations').all();
    await first.close();

    const second = openStore();
    expect(await second.getTask(task.id)).toEqual(task);
    const after = peek().prepare('SELECT version, applied_ms FROM schema_migrations').all();
    expect(after).toEqual(before);
  });

  it('refuses a database written by a newer schema, naming both versions', async () => {
    const task = pendingTask(spec([slice(60)]));
    const store = openStore();
    await store.insertTask(task);
    await store.close();
    const db = peek();
    db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(
      LATEST + 1,
      Date.now(),
    );

    expect(() => openStore()).toThrow(
      `the database schema is version ${LATEST + 1}, newer than this coordinator knows (${LATEST})`,
    );
    // Nothing was changed by the refused open.
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
    expect(versions).toEqual([
      ...SQLITE_MIGRATIONS.map((m) => ({ version: m.version })),
      { version: LATEST + 1 },
    ]);
    expect(db.prepare('SELECT id FROM tasks').all()).toEqual([{ id: task.id }]);
  });

  it('leaves no connection open when it refuses a newer database', async () => {
    const store = openStore();
    await store.close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(
      LATEST + 1,
      Date.now(),
    );
    db.close();
    expect(fs.readdirSync(dir)).toEqual(['drover.db']);

    expect(() => openStore()).toThrow(/newer than this coordinator knows/);
    // In WAL mode the -wal and -shm files exist while any connection is open.
    expect(fs.readdirSync(dir)).toEqual(['drover.db']);
  });

  it('fills the pool of tasks stored before version 3, so they stay visible per pool', async () => {
    const db = new Database(file);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)',
    );
    for (const m of SQLITE_MIGRATIONS.filter((x) => x.version <= 2)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(
        m.version,
        0,
      );
    }
    const old = pendingTask(spec([slice(60, false, [{ key: 'pool', value: 'ci|gpu' }])]));
    db.prepare(
      `INSERT INTO tasks (id, spec, state, current_slice, created_ms, modified_ms, priority)
       VALUES (?, ?, 'PENDING', 0, ?, ?, ?)`,
    ).run(old.id, JSON.stringify(old.spec), old.createdAtMs, old.modifiedAtMs, 200);
    db.close();

    const store = openStore();
    const page = await store.listTasks({ pools: ['ci|gpu'] }, { limit: 10 });
    expect(page.tasks.map((t) => t.id)).toEqual([old.id]);
    expect(await store.countTasks({ pools: ['ci'] })).toBe(0);
  });

  it('keeps what committed visible to another connection at once', async () => {
    const store = openStore();
    const task = pendingTask(spec([slice(60)]));
    await store.insertTask(task);
    expect(peek().prepare('SELECT state FROM tasks WHERE id = ?').get(task.id)).toEqual({
      state: 'PENDING',
    });
  });
});
