// Seeding final tasks fast for the retention tests: built here and written with Store.insertTasks
// in batches (one transaction each), or cloned in SQL for the hundred-thousand-task test.
import {
  createTask,
  propertiesHash,
  type Store,
  type StoredTaskState,
  type Task,
  type TaskProperties,
} from '@drover/state';
import Database from 'better-sqlite3';

export const DAY_MS = 86_400_000;

function properties(pool: string): TaskProperties {
  return {
    command: ['sh', '-c', 'echo a line of output that a real task would have printed'],
    env: [{ key: 'LANG', value: 'C.UTF-8' }],
    envPrefixes: [],
    relativeCwd: '',
    dimensions: pool === '' ? [{ key: 'os', value: 'Linux' }] : [{ key: 'pool', value: pool }],
    executionTimeoutSecs: 60,
    ioTimeoutSecs: 0,
    gracePeriodSecs: 30,
    idempotent: false,
  };
}

/** A task of `pool` in `state` that ended (final) or last changed (active) at `endMs`. */
export function seededTask(id: string, pool: string, state: StoredTaskState, endMs: number): Task {
  const props = properties(pool);
  const { task } = createTask({
    id,
    spec: {
      name: 'seeded',
      priority: 100,
      tags: ['seeded:yes', `pool:${pool}`, 'user:seed', 'name:seeded'],
      user: 'seed',
      authenticated: 'seed',
      requestUuid: '',
      parentTaskId: '',
      slices: [
        {
          properties: props,
          propertiesHash: propertiesHash(props),
          expirationSecs: 600,
          waitForCapacity: true,
        },
      ],
    },
    nowMs: endMs - 2_000,
    capacity: [true],
  });
  if (state === 'PENDING') return { ...task, modifiedAtMs: endMs };
  const running: Task = {
    ...task,
    state: 'RUNNING',
    botId: 'seed-bot',
    leaseId: 'seed-lease',
    startedAtMs: endMs - 1_000,
    modifiedAtMs: endMs,
  };
  if (state === 'RUNNING') return running;
  return {
    ...running,
    state,
    completedAtMs: endMs,
    modifiedAtMs: endMs,
    exitCode: 0,
    durationSecs: 1,
    summary: '',
  };
}

/** `count` final tasks `${prefix}-000000`…, ending 1 ms apart from `firstEndMs`, 500 per write. */
export async function seedFinal(
  store: Pick<Store, 'insertTasks'>,
  prefix: string,
  count: number,
  pool: string,
  firstEndMs: number,
): Promise<void> {
  for (let at = 0; at < count; at += 500) {
    const n = Math.min(500, count - at);
    await store.insertTasks(
      Array.from({ length: n }, (_, i) =>
        seededTask(
          `${prefix}-${String(at + i).padStart(6, '0')}`,
          pool,
          'COMPLETED',
          firstEndMs + at + i,
        ),
      ),
    );
  }
}

/**
 * Copies the stored task `sourceId` `count` times in one SQLite transaction on a connection of
 * its own (ids `${prefix}-000000`…, ends 1 ms apart from the source's), each with its tags and a
 * 200-byte output chunk: a hundred thousand in a second or two.
 */
export function cloneFinalTasks(
  file: string,
  sourceId: string,
  prefix: string,
  count: number,
): void {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 10000');
    const cols = (db.prepare('PRAGMA table_info(tasks)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    const shifted: Record<string, string> = {
      id: `printf('${prefix}-%06d', n.i)`,
      created_ms: 'created_ms + n.i',
      modified_ms: 'modified_ms + n.i',
      started_ms: 'started_ms + n.i',
      completed_ms: 'completed_ms + n.i',
    };
    const select = cols.map((c) => shifted[c] ?? c).join(', ');
    const series = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${count - 1})`;
    db.transaction(() => {
      db.prepare(
        `${series} INSERT INTO tasks (${cols.join(', ')}) SELECT ${select} FROM n, tasks WHERE tasks.id = ?`,
      ).run(sourceId);
      db.prepare(
        `${series} INSERT INTO task_tags (tag, created_ms, task_id)
         SELECT t.tag, t.created_ms + n.i, printf('${prefix}-%06d', n.i) FROM n, task_tags t WHERE t.task_id = ?`,
      ).run(sourceId);
      db.prepare(
        `${series} INSERT INTO task_output (task_id, offset, data)
         SELECT printf('${prefix}-%06d', n.i), 0, randomblob(200) FROM n`,
      ).run();
    })();
  } finally {
    db.close();
  }
}
