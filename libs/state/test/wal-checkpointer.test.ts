// WAL checkpoints in a worker thread (wal-checkpointer.ts): real SQLite files, a real worker.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/index';
import { WalCheckpointer } from '../src/store/sqlite/wal-checkpointer';
import { pendingTask, slice, spec } from './fixtures';

async function until(what: string, ok: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WalCheckpointer', () => {
  let dir: string;
  let file: string;
  let db: Database.Database;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-wal-'));
    file = path.join(dir, 'drover.db');
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  });

  afterEach(() => {
    if (db.open) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One transaction of a few 1 KiB rows, told to the checkpointer like GroupCommit does. */
  function commit(cp: WalCheckpointer, i: number): void {
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    db.transaction(() => {
      for (let j = 0; j < 4; j++) insert.run(`${i}:${j}:${'x'.repeat(1024)}`);
    }).immediate();
    cp.committed();
  }

  it('copies the WAL into the database file from its own thread; the main connection only keeps a backstop', async () => {
    const cp = new WalCheckpointer(db, file);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    const before = fs.statSync(file).size;
    for (let i = 0; i < 80; i++) commit(cp, i);
    // Nothing here checkpoints (80 small commits stay under the main connection's 1,000 pages):
    // the database file grows only because the worker copied the log into it.
    await until('the worker to checkpoint', () => fs.statSync(file).size > before + 64 * 1024);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    await cp.close();
    db.close();
    const again = new Database(file, { readonly: true });
    expect(again.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 320 });
    again.close();
  });

  it('gives checkpoints back to the main connection when its worker fails', async () => {
    const warnings: string[] = [];
    // The worker cannot open this path (it must exist): it fails at start.
    const cp = new WalCheckpointer(db, path.join(dir, 'missing', 'drover.db'), (m) =>
      warnings.push(m),
    );
    for (let i = 0; i < 70; i++) commit(cp, i);
    await until('the fallback warning', () => warnings.some((w) => w.includes('main thread')));
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await cp.close();
  });

  it('is started and stopped by a store that writes, which reopens with everything', async () => {
    const store = openSqliteStore({ path: path.join(dir, 'store.db') });
    const s = spec([slice(60)], { tags: [] });
    for (let i = 0; i < 100; i++) {
      await store.insertTask(pendingTask(s, { id: `task-${String(i).padStart(3, '0')}` }));
    }
    await store.close();
    const reopened = openSqliteStore({ path: path.join(dir, 'store.db') });
    expect(await reopened.countTasks({})).toBe(100);
    expect((await reopened.getTask('task-099'))?.state).toBe('PENDING');
    await reopened.close();
  });
});
