import { openSqliteStore, type Task } from '@drover/state';
import Database from 'better-sqlite3';
import { isDeepStrictEqual } from 'node:util';
import {
  deepQueueTask,
  deepSetSpecs,
  deepTaskFields,
  type DeepQueueShape,
} from './deep-queue-shape';

export interface PrefillTimes {
  /** The first task of each set, through Store.insertTask (one transaction each). */
  readonly throughStoreMs: number;
  readonly throughStoreCount: number;
  /** The rest, copied from those rows in one transaction. */
  readonly bulkMs: number;
  readonly bulkCount: number;
}

/**
 * Fills a SQLite store with the deep queue. Store.insertTask commits once per task (~15k/s on a
 * plain disk: over a minute for 1M), so only the first task of each set goes through it; every
 * other task is a copy of its set's stored row with the columns that differ (id, times,
 * priority, spec) replaced, in one transaction. Tasks read back through the store must equal
 * what createTask builds.
 */
export async function prefillDeepQueue(
  storePath: string,
  shape: DeepQueueShape,
  nowMs: number,
): Promise<PrefillTimes> {
  const specs = deepSetSpecs(shape);
  const first = Math.min(shape.sets, shape.pending);
  const t0 = performance.now();
  const store = openSqliteStore({ path: storePath });
  const templates: Task[] = [];
  try {
    for (let i = 0; i < first; i++) {
      const task = deepQueueTask(specs, deepTaskFields(shape, nowMs, i));
      await store.insertTask(task);
      templates.push(task);
    }
  } finally {
    await store.close();
  }
  const t1 = performance.now();

  const db = new Database(storePath);
  try {
    // Nobody else has the file open: no journal and no syncs for the copy, then WAL again as
    // the store expects.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const select = db.prepare<[string], Record<string, unknown>>(
      'SELECT * FROM tasks WHERE id = ?',
    );
    const rows = templates.map((t) => select.get(t.id)!);
    const columns = Object.keys(rows[0] ?? {});
    const at = (name: string) => columns.indexOf(name);
    const [idAt, createdAt, modifiedAt, priorityAt, specAt] = [
      at('id'),
      at('created_ms'),
      at('modified_ms'),
      at('priority'),
      at('spec'),
    ];
    if ([idAt, createdAt, modifiedAt, specAt].includes(-1)) {
      throw new Error(`prefill: the tasks table lacks a column it copies (${columns.join(', ')})`);
    }
    const values = rows.map((row) => columns.map((c) => row[c]));
    const specJson = new Map<number, string>();
    const insert = db.prepare(
      `INSERT INTO tasks (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    db.transaction(() => {
      for (let i = first; i < shape.pending; i++) {
        const f = deepTaskFields(shape, nowMs, i);
        const specKey = f.set * 1024 + f.priority;
        let spec = specJson.get(specKey);
        if (spec === undefined) {
          spec = JSON.stringify({ ...specs[f.set]!, priority: f.priority });
          specJson.set(specKey, spec);
        }
        const row = values[f.set]!.slice();
        row[idAt] = f.id;
        row[createdAt] = f.createdAtMs;
        row[modifiedAt] = f.createdAtMs;
        row[specAt] = spec;
        if (priorityAt >= 0) row[priorityAt] = f.priority;
        insert.run(row);
      }
    }).immediate();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  const t2 = performance.now();

  const check = openSqliteStore({ path: storePath });
  try {
    for (const i of new Set([0, first, shape.pending - 1])) {
      if (i < 0 || i >= shape.pending) continue;
      const expected = deepQueueTask(specs, deepTaskFields(shape, nowMs, i));
      const stored = await check.getTask(expected.id);
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(stored ?? null)), plain(expected))) {
        throw new Error(`prefill: task ${expected.id} reads back differently from the store`);
      }
    }
  } finally {
    await check.close();
  }
  return {
    throughStoreMs: t1 - t0,
    throughStoreCount: first,
    bulkMs: t2 - t1,
    bulkCount: Math.max(0, shape.pending - first),
  };
}

/** Through JSON, as the store keeps it (undefined fields dropped). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
