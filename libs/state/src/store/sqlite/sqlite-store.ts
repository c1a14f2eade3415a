import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoredTaskState } from '../../task/task-state';
import { taskPoolOf } from '../../task/task-pool';
import type { KeyValue, KeyValues, Task, TaskSpec } from '../../task/types';
import {
  SEVEN_DAYS_MS,
  type AppendOutputOutcome,
  type BotAdminState,
  type BotEventPage,
  type BotEventQuery,
  type BotEventRecord,
  type BotEventType,
  type BotRecord,
  type BotReport,
  type ExpectedTask,
  type InsertOutcome,
  type PendingSummary,
  type Store,
  type TaskPage,
  type TaskQuery,
} from '../store';
import { decodeEventCursor, decodeTaskCursor, encodeEventCursor, taskPage } from '../cursor';
import { nameGlobToSqliteGlob, sortColumn } from '../task-order';
import { dedupHash } from '../dedup-hash';
import { sliceOutput } from '../output-chunks';
import { outputsFromColumn, outputsToColumn } from '../outputs-column';
import { GroupCommit } from './group-commit';
import { SQLITE_MIGRATIONS } from './migrations';
import { SqliteGraphStore } from './sqlite-graph';
import { StatementCache } from './statement-cache';
import { WalCheckpointer } from './wal-checkpointer';
import * as webhooks from './sqlite-webhooks';
import type { WebhookDelivery, WebhookRecord, WebhookSettlement } from '../webhook-store';

interface TaskRow {
  id: string;
  spec: string;
  state: string;
  current_slice: number;
  created_ms: number;
  modified_ms: number;
  started_ms: number | null;
  completed_ms: number | null;
  abandoned_ms: number | null;
  kill_requested_ms: number | null;
  process_started: number;
  bot_id: string | null;
  bot_dimensions: string;
  lease_id: string | null;
  exit_code: number | null;
  duration_secs: number | null;
  failure: number;
  internal_failure: number;
  deduped_from: string | null;
  output_size: number;
  summary: string;
  outputs: string | null;
}

interface BotRow {
  id: string;
  dimensions: string;
  version: string;
  first_seen_ms: number;
  last_seen_ms: number;
  state: string;
  session_id: string;
  connected: number;
  admin_quarantined_reason: string;
  maintenance: number;
  maintenance_msg: string;
}

interface BotEventRow {
  seq: number;
  ts_ms: number;
  bot_id: string;
  event_type: string;
  message: string;
  task_id: string;
  dimensions: string;
}

export interface SqliteStoreOptions {
  /** Path of the database file; ':memory:' for a throwaway store. */
  readonly path: string;
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=NORMAL (a committed transaction
 * survives a process crash; an OS crash may lose the last few). better-sqlite3 is synchronous and
 * one coordinator owns the file. Reads run at once; writes are group-committed (see GroupCommit):
 * those of one event-loop turn share one transaction, in order, and each resolves after COMMIT.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ':memory:') {
    // Every task's env is in it: the dir 0700 and the file 0600 whatever the umask (SQLite gives
    // its -wal and -shm files the database file's mode).
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    closeSync(openSync(options.path, 'a', 0o600));
  }
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteStore(db, options.path === ':memory:' ? undefined : options.path);
}

function migrate(db: Database.Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
  if (newest > known) {
    throw new Error(
      `the database schema is version ${newest}, newer than this coordinator knows (${known}): upgrade Drover`,
    );
  }
  for (const m of SQLITE_MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      m.backfill?.(db);
      db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(
        m.version,
        Date.now(),
      );
    }).immediate();
  }
}

/** Tasks and bots here; the graph tables in SqliteGraphStore (sqlite-graph.ts). */
class SqliteStore extends SqliteGraphStore implements Store {
  readonly #db: Database.Database;
  readonly #insertTask: Database.Statement;
  readonly #insertTx: Database.Transaction<(task: Task) => InsertOutcome>;
  readonly #insertManyTx: Database.Transaction<(tasks: readonly Task[]) => InsertOutcome[]>;
  readonly #getTask: Database.Statement<[string], TaskRow>;
  readonly #updateTask: Database.Statement;
  readonly #appendTx: Database.Transaction<
    (taskId: string, leaseId: string, offset: number, data: Uint8Array) => AppendOutputOutcome
  >;
  readonly #upsertBot: Database.Statement;
  readonly #insertBotEvent: Database.Statement;
  readonly #sql: StatementCache;
  readonly #commits: GroupCommit;
  readonly #checkpoints: WalCheckpointer | undefined;
  #closed = false;

  constructor(db: Database.Database, path: string | undefined) {
    const sql = new StatementCache(db);
    super(db, sql);
    this.#db = db;
    this.#sql = sql;
    const checkpoints = path === undefined ? undefined : new WalCheckpointer(db, path);
    this.#checkpoints = checkpoints;
    this.#commits = new GroupCommit(db, () => checkpoints?.committed());
    this.#insertTask = db.prepare(`
      INSERT INTO tasks (id, spec, state, current_slice, created_ms, modified_ms, started_ms,
        completed_ms, abandoned_ms, kill_requested_ms, process_started, bot_id, bot_dimensions,
        lease_id, exit_code, duration_secs, failure, internal_failure, deduped_from, output_size,
        summary, user, request_uuid, priority, tags, authenticated, dedup_hash, pool, outputs)
      VALUES (@id, @spec, @state, @current_slice, @created_ms, @modified_ms, @started_ms,
        @completed_ms, @abandoned_ms, @kill_requested_ms, @process_started, @bot_id,
        @bot_dimensions, @lease_id, @exit_code, @duration_secs, @failure, @internal_failure,
        @deduped_from, @output_size, @summary, @user, @request_uuid, @priority, @tags,
        @authenticated, @dedup_hash, @pool, @outputs)`);
    this.#getTask = db.prepare('SELECT * FROM tasks WHERE id = ?');
    const byRequestUuid = db.prepare<[string, string, number], TaskRow>(
      `SELECT * FROM tasks WHERE authenticated = ? AND request_uuid = ? AND created_ms >= ?
       ORDER BY created_ms DESC LIMIT 1`,
    );
    const insertTag = db.prepare(
      'INSERT OR IGNORE INTO task_tags (tag, created_ms, task_id) VALUES (?, ?, ?)',
    );
    const insertOne = (task: Task): InsertOutcome => {
      if (task.spec.requestUuid !== '') {
        const row = byRequestUuid.get(
          task.spec.authenticated,
          task.spec.requestUuid,
          task.createdAtMs - SEVEN_DAYS_MS,
        );
        if (row !== undefined) return { inserted: false, existing: rowToTask(row) };
      }
      this.#insertTask.run({
        ...taskColumns(task),
        spec: JSON.stringify(task.spec),
        output_size: task.outputSize,
        user: task.spec.user,
        request_uuid: task.spec.requestUuid,
        priority: task.spec.priority,
        tags: JSON.stringify(task.spec.tags),
        authenticated: task.spec.authenticated,
        pool: taskPoolOf(task.spec),
      });
      for (const tag of task.spec.tags) insertTag.run(tag, task.createdAtMs, task.id);
      return { inserted: true };
    };
    this.#insertTx = db.transaction(insertOne);
    // Inside a group commit this is a savepoint: a batch that fails is undone whole, the other
    // writes of the group commit stay. A later task of the batch sees the earlier ones' rows, so
    // a request_uuid used twice in it finds the first task.
    this.#insertManyTx = db.transaction((tasks: readonly Task[]) => tasks.map(insertOne));
    this.#updateTask = db.prepare(`
      UPDATE tasks SET state = @state, current_slice = @current_slice, modified_ms = @modified_ms,
        started_ms = @started_ms, completed_ms = @completed_ms, abandoned_ms = @abandoned_ms,
        kill_requested_ms = @kill_requested_ms, process_started = @process_started,
        bot_id = @bot_id, bot_dimensions = @bot_dimensions, lease_id = @lease_id,
        exit_code = @exit_code, duration_secs = @duration_secs, failure = @failure,
        internal_failure = @internal_failure, deduped_from = @deduped_from, summary = @summary,
        dedup_hash = @dedup_hash, outputs = @outputs
      WHERE id = @id AND state = @expected_state AND lease_id IS @expected_lease`);
    const getForAppend = db.prepare<
      [string],
      { state: string; lease_id: string | null; output_size: number }
    >('SELECT state, lease_id, output_size FROM tasks WHERE id = ?');
    const insertChunk = db.prepare(
      'INSERT INTO task_output (task_id, offset, data) VALUES (?, ?, ?)',
    );
    const setSize = db.prepare('UPDATE tasks SET output_size = ? WHERE id = ?');
    this.#appendTx = db.transaction(
      (taskId: string, leaseId: string, offset: number, data: Uint8Array) => {
        const row = getForAppend.get(taskId);
        if (row === undefined) return { kind: 'refused', reason: 'unknown-task', size: 0 } as const;
        const size = row.output_size;
        if (row.state !== 'RUNNING' || row.lease_id !== leaseId) {
          return { kind: 'refused', reason: 'stale-lease', size } as const;
        }
        if (offset > size) return { kind: 'refused', reason: 'gap', size } as const;
        const end = offset + data.byteLength;
        if (end <= size) return { kind: 'duplicate', size } as const;
        const fresh = Buffer.from(data.buffer, data.byteOffset + (size - offset), end - size);
        insertChunk.run(taskId, size, fresh);
        setSize.run(end, taskId);
        return { kind: 'appended', size: end } as const;
      },
    );
    this.#upsertBot = db.prepare(`
      INSERT INTO bots (id, dimensions, version, first_seen_ms, last_seen_ms, state, session_id, connected)
      VALUES (@id, @dimensions, @version, @first_seen_ms, @last_seen_ms, @state, @session_id, @connected)
      ON CONFLICT (id) DO UPDATE SET dimensions = excluded.dimensions, version = excluded.version,
        last_seen_ms = excluded.last_seen_ms, state = excluded.state,
        session_id = excluded.session_id, connected = excluded.connected`);
    this.#insertBotEvent = db.prepare(
      `INSERT INTO bot_events (ts_ms, bot_id, event_type, message, task_id, dimensions)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
  }

  async insertTask(task: Task): Promise<InsertOutcome> {
    return this.#commits.write(() => this.#insertTx(task));
  }

  async insertTasks(tasks: readonly Task[]): Promise<InsertOutcome[]> {
    return this.#commits.write(() => this.#insertManyTx(tasks));
  }

  async findDedupSource(propertiesHash: string, sinceMs: number): Promise<Task | undefined> {
    const row = this.#sql
      .get<[string, number], TaskRow>(
        `SELECT * FROM tasks WHERE dedup_hash = ? AND completed_ms >= ?
         ORDER BY completed_ms DESC LIMIT 1`,
      )
      .get(propertiesHash, sinceMs);
    return row === undefined ? undefined : rowToTask(row);
  }

  async listTasks(query: TaskQuery, page: { limit: number; cursor?: string }): Promise<TaskPage> {
    const limit = Math.max(1, Math.floor(page.limit));
    const { sql, params } = sqliteListTasksSql(query, { limit: limit + 1, cursor: page.cursor });
    const rows = this.#sql.get<(string | number)[], TaskRow>(sql).all(...params);
    return taskPage(rows.map(rowToTask), limit, query.sort);
  }

  async countTasks(query: TaskQuery): Promise<number> {
    const { where, params } = whereClause(query);
    const row = this.#sql
      .get<(string | number)[], { n: number }>(
        `SELECT COUNT(*) AS n FROM tasks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
      )
      .get(...params);
    return row?.n ?? 0;
  }

  async getTask(id: string): Promise<Task | undefined> {
    const row = this.#getTask.get(id);
    return row === undefined ? undefined : rowToTask(row);
  }

  async updateTask(next: Task, expected: ExpectedTask): Promise<boolean> {
    const params = {
      ...taskColumns(next),
      expected_state: expected.state,
      expected_lease: expected.leaseId,
    };
    return this.#commits.write(() => this.#updateTask.run(params).changes === 1);
  }

  async forEachPending(fn: (entry: PendingSummary) => void): Promise<number> {
    const rows = this.#sql.get<
      [],
      {
        id: string;
        priority: number;
        created_ms: number;
        dims: string;
        expiration_secs: number;
        pool: string;
        terminate: number;
      }
    >(
      `SELECT id, priority, created_ms, pool,
           json_extract(spec, '$.terminate') IS NOT NULL AS terminate,
           json_extract(spec, '$.slices[' || current_slice || '].properties.dimensions') AS dims,
           (SELECT SUM(json_extract(s.value, '$.expirationSecs'))
              FROM json_each(tasks.spec, '$.slices') AS s
             WHERE s.key <= tasks.current_slice) AS expiration_secs
         FROM tasks WHERE state = 'PENDING' ORDER BY created_ms, id`,
    );
    const interned = new Map<string, KeyValue[]>();
    let n = 0;
    for (const row of rows.iterate()) {
      let dimensions = interned.get(row.dims);
      if (dimensions === undefined) {
        dimensions = JSON.parse(row.dims) as KeyValue[];
        interned.set(row.dims, dimensions);
      }
      fn({
        taskId: row.id,
        priority: row.priority,
        createdAtMs: row.created_ms,
        dimensions,
        deadlineAtMs: row.created_ms + row.expiration_secs * 1000,
        pool: row.pool,
        terminate: row.terminate === 1,
      });
      n++;
    }
    return n;
  }

  async listTasksInStates(states: readonly StoredTaskState[]): Promise<Task[]> {
    if (states.length === 0) return [];
    const rows = this.#sql
      .get<string[], TaskRow>(
        `SELECT * FROM tasks WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY created_ms, id`,
      )
      .all(...states);
    return rows.map(rowToTask);
  }

  async appendOutput(
    taskId: string,
    leaseId: string,
    offset: number,
    data: Uint8Array,
  ): Promise<AppendOutputOutcome> {
    return this.#commits.write(() => this.#appendTx(taskId, leaseId, offset, data));
  }

  async readOutput(taskId: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    const end = offset + length;
    const rows = this.#sql
      .get<[string, string, number, number], { offset: number; data: Buffer }>(
        `SELECT offset, data FROM task_output
         WHERE task_id = ? AND offset >= COALESCE(
           (SELECT MAX(offset) FROM task_output WHERE task_id = ? AND offset <= ?), 0)
           AND offset < ?
         ORDER BY offset`,
      )
      .all(taskId, taskId, offset, end);
    return sliceOutput(
      rows.map((row) => ({ at: row.offset, data: row.data })),
      offset,
      end,
    );
  }

  async upsertBot(bot: BotReport): Promise<void> {
    const params = {
      id: bot.id,
      dimensions: JSON.stringify(bot.dimensions),
      version: bot.version,
      first_seen_ms: bot.firstSeenMs,
      last_seen_ms: bot.lastSeenMs,
      state: JSON.stringify(bot.state),
      session_id: bot.sessionId,
      connected: bot.connected ? 1 : 0,
    };
    await this.#commits.write(() => this.#upsertBot.run(params));
  }

  async botDisconnected(bot: BotReport): Promise<boolean> {
    const params = {
      id: bot.id,
      dimensions: JSON.stringify(bot.dimensions),
      version: bot.version,
      last_seen_ms: bot.lastSeenMs,
      state: JSON.stringify(bot.state),
      session_id: bot.sessionId,
    };
    return this.#commits.write(
      () =>
        this.#sql
          .get<[typeof params]>(
            `UPDATE bots SET dimensions = @dimensions, version = @version,
               last_seen_ms = @last_seen_ms, state = @state, connected = 0
             WHERE id = @id AND (session_id = @session_id OR connected = 0)`,
          )
          .run(params).changes === 1,
    );
  }

  async getBot(id: string): Promise<BotRecord | undefined> {
    return this.#botRecord(id);
  }

  #botRecord(id: string): BotRecord | undefined {
    const row = this.#sql.get<[string], BotRow>('SELECT * FROM bots WHERE id = ?').get(id);
    return row === undefined ? undefined : rowToBot(row);
  }

  async listBots(): Promise<BotRecord[]> {
    const rows = this.#sql.get<[], BotRow>('SELECT * FROM bots ORDER BY id').all();
    return rows.map(rowToBot);
  }

  async setBotAdmin(id: string, patch: Partial<BotAdminState>): Promise<BotRecord | undefined> {
    const sets: string[] = [];
    const params: Record<string, string | number> = { id };
    if (patch.quarantinedReason !== undefined) {
      sets.push('admin_quarantined_reason = @reason');
      params.reason = patch.quarantinedReason;
    }
    if (patch.maintenance !== undefined) {
      sets.push('maintenance = @maintenance');
      params.maintenance = patch.maintenance ? 1 : 0;
    }
    if (patch.maintenanceMsg !== undefined) {
      sets.push('maintenance_msg = @msg');
      params.msg = patch.maintenanceMsg;
    }
    return this.#commits.write(() => {
      if (sets.length > 0) {
        this.#sql
          .get<[Record<string, string | number>]>(
            `UPDATE bots SET ${sets.join(', ')} WHERE id = @id`,
          )
          .run(params);
      }
      return this.#botRecord(id);
    });
  }

  async deleteBot(id: string): Promise<boolean> {
    const stmt = this.#sql.get<[string]>('DELETE FROM bots WHERE id = ?');
    return this.#commits.write(() => stmt.run(id).changes === 1);
  }

  async appendBotEvent(event: BotEventRecord): Promise<void> {
    return this.appendBotEvents([event]);
  }

  async appendBotEvents(events: readonly BotEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((e) => [
      e.tsMs,
      e.botId,
      e.eventType,
      e.message,
      e.taskId,
      JSON.stringify(e.dimensions),
    ]);
    await this.#commits.write(() => {
      for (const row of rows) this.#insertBotEvent.run(...row);
    });
  }

  async listBotEvents(
    query: BotEventQuery,
    page: { limit: number; cursor?: string },
  ): Promise<BotEventPage> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.botId !== undefined) {
      where.push('bot_id = ?');
      params.push(query.botId);
    }
    if (query.startMs !== undefined) {
      where.push('ts_ms >= ?');
      params.push(query.startMs);
    }
    if (query.endMs !== undefined) {
      where.push('ts_ms < ?');
      params.push(query.endMs);
    }
    const after = decodeEventCursor(page.cursor);
    if (after !== undefined) {
      where.push('(ts_ms < ? OR (ts_ms = ? AND seq < ?))');
      params.push(after.tsMs, after.tsMs, after.seq);
    }
    const limit = Math.max(1, Math.floor(page.limit));
    const rows = this.#sql
      .get<(string | number)[], BotEventRow>(
        `SELECT * FROM bot_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ts_ms DESC, seq DESC LIMIT ?`,
      )
      .all(...params, limit + 1);
    const more = rows.length > limit;
    const kept = rows.slice(0, limit);
    const last = kept.at(-1);
    return {
      events: kept.map(rowToBotEvent),
      cursor: more && last !== undefined ? encodeEventCursor(last.ts_ms, last.seq) : '',
    };
  }

  async pruneBotEvents(beforeMs: number): Promise<number> {
    const stmt = this.#sql.get<[number]>('DELETE FROM bot_events WHERE ts_ms < ?');
    return this.#commits.write(() => stmt.run(beforeMs).changes);
  }

  async enqueueWebhook(d: {
    taskId: string;
    state: string;
    url: string;
    body: string;
    nowMs: number;
  }): Promise<boolean> {
    return this.#commits.write(() => webhooks.enqueueWebhook(this.#sql, d));
  }

  async claimWebhooks(nowMs: number, untilMs: number, limit: number): Promise<WebhookDelivery[]> {
    const claim = this.#db.transaction(() =>
      webhooks.claimWebhooks(this.#sql, nowMs, untilMs, limit),
    );
    return this.#commits.write(() => claim());
  }

  async settleWebhook(
    taskId: string,
    state: string,
    attempt: number,
    outcome: WebhookSettlement,
    nowMs: number,
  ): Promise<boolean> {
    return this.#commits.write(() =>
      webhooks.settleWebhook(this.#sql, taskId, state, attempt, outcome, nowMs),
    );
  }

  async getWebhook(taskId: string, state: string): Promise<WebhookRecord | undefined> {
    return webhooks.getWebhook(this.#sql, taskId, state);
  }

  async getNextWebhookDueMs(): Promise<number | undefined> {
    return webhooks.getNextWebhookDueMs(this.#sql);
  }

  async pruneWebhooks(beforeMs: number): Promise<number> {
    return this.#commits.write(() => webhooks.pruneWebhooks(this.#sql, beforeMs));
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#commits.flush();
      await this.#checkpoints?.close();
      this.#commits.flush();
      this.#db.close();
    }
    return;
  }
}

/** ListTasks's statement (exported for the EXPLAIN QUERY PLAN test): `limit` rows at most. */
export function sqliteListTasksSql(
  query: TaskQuery,
  page: { limit: number; cursor?: string | undefined },
): { sql: string; params: (string | number)[] } {
  const { where, params } = whereClause(query);
  const sort = query.sort ?? 'created';
  const time = sortColumn(sort);
  const after = decodeTaskCursor(page.cursor, sort);
  if (after !== undefined) {
    where.push(`(${time} < ? OR (${time} = ? AND id < ?))`);
    params.push(after.sortMs, after.sortMs, after.id);
  }
  return {
    sql: `SELECT * FROM tasks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${time} DESC, id DESC LIMIT ?`,
    params: [...params, page.limit],
  };
}

function whereClause(query: TaskQuery): { where: string[]; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.states !== undefined && query.states.length > 0) {
    where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
    params.push(...query.states);
  }
  if (query.outcome === 'success') where.push(`state = 'COMPLETED' AND failure = 0`);
  if (query.outcome === 'failure') where.push(`state = 'COMPLETED' AND failure = 1`);
  if (query.dedupedOnly === true) where.push('deduped_from IS NOT NULL');
  for (const tag of query.tags ?? []) {
    where.push('id IN (SELECT task_id FROM task_tags WHERE tag = ?)');
    params.push(tag);
  }
  if (query.nameGlob !== undefined) {
    where.push('id IN (SELECT task_id FROM task_tags WHERE tag GLOB ?)');
    params.push(nameGlobToSqliteGlob(query.nameGlob));
  }
  const time = sortColumn(query.sort);
  if (time !== 'created_ms') where.push(`${time} IS NOT NULL`);
  if (query.startMs !== undefined) {
    where.push(`${time} >= ?`);
    params.push(query.startMs);
  }
  if (query.endMs !== undefined) {
    where.push(`${time} < ?`);
    params.push(query.endMs);
  }
  if (query.botId !== undefined) {
    where.push('bot_id = ?');
    params.push(query.botId);
  }
  if (query.pools !== undefined) {
    if (query.pools.length === 0) {
      where.push('0');
    } else {
      where.push(`pool IN (${query.pools.map(() => '?').join(', ')})`);
      params.push(...query.pools);
    }
  }
  return { where, params };
}

function taskColumns(task: Task) {
  return {
    dedup_hash: dedupHash(task),
    id: task.id,
    state: task.state,
    current_slice: task.currentSlice,
    created_ms: task.createdAtMs,
    modified_ms: task.modifiedAtMs,
    started_ms: task.startedAtMs,
    completed_ms: task.completedAtMs,
    abandoned_ms: task.abandonedAtMs,
    kill_requested_ms: task.killRequestedAtMs,
    process_started: task.processStarted ? 1 : 0,
    bot_id: task.botId,
    bot_dimensions: JSON.stringify(task.botDimensions),
    lease_id: task.leaseId,
    exit_code: task.exitCode,
    duration_secs: task.durationSecs,
    failure: task.failure ? 1 : 0,
    internal_failure: task.internalFailure ? 1 : 0,
    deduped_from: task.dedupedFrom,
    summary: task.summary,
    outputs: outputsToColumn(task),
  };
}

function rowToTask(row: TaskRow): Task {
  return {
    id: row.id,
    spec: JSON.parse(row.spec) as TaskSpec,
    state: row.state as StoredTaskState,
    currentSlice: row.current_slice,
    createdAtMs: row.created_ms,
    modifiedAtMs: row.modified_ms,
    startedAtMs: row.started_ms,
    completedAtMs: row.completed_ms,
    abandonedAtMs: row.abandoned_ms,
    killRequestedAtMs: row.kill_requested_ms,
    processStarted: row.process_started === 1,
    botId: row.bot_id,
    botDimensions: JSON.parse(row.bot_dimensions) as KeyValues[],
    leaseId: row.lease_id,
    exitCode: row.exit_code,
    durationSecs: row.duration_secs,
    failure: row.failure === 1,
    internalFailure: row.internal_failure === 1,
    dedupedFrom: row.deduped_from,
    outputSize: row.output_size,
    summary: row.summary,
    ...outputsFromColumn(row.outputs),
  };
}

function rowToBot(row: BotRow): BotRecord {
  return {
    id: row.id,
    dimensions: JSON.parse(row.dimensions) as KeyValues[],
    version: row.version,
    firstSeenMs: row.first_seen_ms,
    lastSeenMs: row.last_seen_ms,
    state: JSON.parse(row.state) as Record<string, unknown>,
    sessionId: row.session_id,
    connected: row.connected === 1,
    admin: {
      quarantinedReason: row.admin_quarantined_reason,
      maintenance: row.maintenance === 1,
      maintenanceMsg: row.maintenance_msg,
    },
  };
}

function rowToBotEvent(row: BotEventRow): BotEventRecord {
  return {
    tsMs: row.ts_ms,
    botId: row.bot_id,
    // Written only by appendBotEvent, which takes a BotEventType.
    eventType: row.event_type as BotEventType,
    message: row.message,
    taskId: row.task_id,
    dimensions: JSON.parse(row.dimensions) as KeyValues[],
  };
}
