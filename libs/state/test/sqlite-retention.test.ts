// Retention in the SQLite adapter beyond the conformance suite: the file switches to incremental
// auto-vacuum (migration 12, also for a file made before it), the purge reads index ranges, and
// reclaimSpace gives the pages of purged tasks back to the file system.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type Task } from '../src/index';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations';
import { T0, pendingTask, slice, spec } from './fixtures';

const DAY = 86_400_000;

function finalTask(i: number, endMs: number): Task {
  const t = pendingTask(spec([slice(60)], { tags: [`n:${i}`] }), {
    id: `t-${String(i).padStart(6, '0')}`,
    createdAtMs: endMs - 1000,
  });
  return { ...t, state: 'COMPLETED', completedAtMs: endMs, modifiedAtMs: endMs, exitCode: 0 };
}

describe('SQLite retention', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-retention-'));
    file = path.join(dir, 'drover.db');
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a new file is in incremental auto-vacuum', async () => {
    const store = openSqliteStore({ path: file });
    await store.close();
    const db = new Database(file);
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
  });

  it('a file made before migration 12 is converted (VACUUM), its tasks kept', async () => {
    // The schema as migration 11 left it, auto_vacuum off (SQLite's default).
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)',
    );
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version < 12)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, 0)').run(m.version);
    }
    db.prepare(
      `INSERT INTO tasks (id, spec, state, current_slice, created_ms, modified_ms, priority)
       VALUES ('old', '{}', 'COMPLETED', 0, 1, 1, 1)`,
    ).run();
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(0);
    db.close();

    const store = openSqliteStore({ path: file });
    await store.close();
    const after = new Database(file);
    expect(after.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(after.prepare('SELECT id FROM tasks').all()).toEqual([{ id: 'old' }]);
    expect(after.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({
      v: Math.max(...SQLITE_MIGRATIONS.map((m) => m.version)),
    });
    after.close();
  });

  it('purged pages go back to the file system', async () => {
    const store = openSqliteStore({ path: file });
    const now = T0 + 200 * DAY;
    for (let b = 0; b < 10; b++) {
      await store.insertTasks(
        Array.from({ length: 500 }, (_, i) => finalTask(b * 500 + i, T0 + (b * 500 + i))),
      );
    }
    const full = await store.sizeBytes();
    let purged = 0;
    for (;;) {
      const r = await store.purgeTasks({ beforeMs: now - 90 * DAY, limit: 500 });
      if (r.tasks === 0) break;
      purged += r.tasks;
    }
    expect(purged).toBe(5000);
    expect(await store.reclaimSpace(10)).toBeGreaterThan(0);
    while ((await store.reclaimSpace(1000)) > 0);
    await store.close();
    // The WAL checkpointed into the file at close: the file itself shrank.
    expect(fs.statSync(file).size).toBeLessThan(full / 3);
  });
});
