import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoredTaskState } from '../../task/task-state';
import { taskPoolOf } from '../../task/task-pool';
import type { Task } from '../../task/types';
import { planAppend, type OutputHolderRow } from '../append-output';
import { pageLimit, taskPage } from '../cursor';
import { sliceOutput } from '../output-chunks';
import { RequestUuidBatch } from '../request-uuid';
import type {
  AppendOutputOutcome,
  BotAdminState,
  BotEventPage,
  BotEventQuery,
  BotEventRecord,
  BotRecord,
  BotReport,
  ExpectedTask,
  InsertOutcome,
  PendingSummary,
  Store,
  TaskInsertExtras,
  TaskPage,
  TaskQuery,
  PageRequest,
} from '../store';
import { countTasksSql, runningTasksOfSql } from '../task-filter';
import { checkSuccessorRevision } from '../task-revision';
import { MUTABLE_TASK_COLUMNS, mutableTaskColumns } from '../task-row';
import type {
  NewWebhook,
  WebhookDelivery,
  WebhookRecord,
  WebhookSettlement,
} from '../webhook-store';
import { GroupCommit } from './group-commit';
import { migrate } from './migrations';
import * as bots from './sqlite-bots';
import { SqliteGraphStore } from './sqlite-graph';
import { forEachPending } from './sqlite-pending';
import { sqliteRowToTask, type SqliteTaskRow } from './sqlite-rows';
import { SQLITE_TASK_SQL, sqliteListTasksSql } from './sqlite-task-query';
import * as webhooks from './sqlite-webhooks';
import * as fleet from './sqlite-fleet';
import type { FleetRange, FleetSampleRow } from '../fleet-store';
import * as retention from './sqlite-retention';
import type { PurgeTasksRequest, PurgeTasksResult } from '../retention-store';
import * as cas from './sqlite-cas';
import type { CasBlobRecord, CasBlobSize, CasRunningReferrer } from '../cas-store';
import * as access from './sqlite-access';
import type {
  AccessTokenRecord,
  AuditQuery,
  AuditRecord,
  NewAuditRecord,
  StoredBotGroup,
  StoredPrincipal,
} from '../access-store';
import { StatementCache } from './statement-cache';
import { WalCheckpointer } from './wal-checkpointer';

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
  // Takes effect on a new file only (no table yet); migration 12 converts an older one.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // A WAL that one large write made large is cut back after the next checkpoint that resets it,
  // so that the files stop growing at a steady load (retention).
  db.pragma('journal_size_limit = 67108864');
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

/** Parameters of the statements below, by name. */
type Params = Record<string, unknown>;

/**
 * Tasks here; bots in sqlite-bots.ts; the graph tables in SqliteGraphStore (sqlite-graph.ts). The
 * statements of the write path are prepared once, here.
 */
class SqliteStore extends SqliteGraphStore implements Store {
  readonly #db: Database.Database;
  /** The database file; undefined in memory. */
  readonly #file: string | undefined;
  readonly #insertTx: Database.Transaction<
    (task: Task, extras: TaskInsertExtras | undefined) => InsertOutcome
  >;
  readonly #insertManyTx: Database.Transaction<
    (
      tasks: readonly Task[],
      extras: readonly (TaskInsertExtras | undefined)[] | undefined,
    ) => InsertOutcome[]
  >;
  readonly #getSecret: Database.Statement<[string], { ciphertext: Buffer }>;
  readonly #getTask: Database.Statement<[string], SqliteTaskRow>;
  readonly #updateTask: Database.Statement<[Params]>;
  readonly #runningTasksOf: Database.Statement<[string], SqliteTaskRow>;
  readonly #appendTx: Database.Transaction<
    (taskId: string, leaseId: string, offset: number, data: Uint8Array) => AppendOutputOutcome
  >;
  readonly #sql: StatementCache;
  readonly #commits: GroupCommit;
  readonly #checkpoints: WalCheckpointer | undefined;
  #closed = false;

  constructor(db: Database.Database, path: string | undefined) {
    const sql = new StatementCache(db);
    super(db, sql);
    this.#db = db;
    this.#file = path;
    this.#sql = sql;
    const checkpoints = path === undefined ? undefined : new WalCheckpointer(db, path);
    this.#checkpoints = checkpoints;
    this.#commits = new GroupCommit(db, () => checkpoints?.committed());
    const insertTask = db.prepare<[Params]>(`
      INSERT INTO tasks (id, spec, state, current_slice, created_ms, modified_ms, started_ms,
        completed_ms, abandoned_ms, kill_requested_ms, process_started, bot_id, bot_dimensions,
        lease_id, exit_code, duration_secs, failure, internal_failure, deduped_from, output_size,
        summary, user, request_uuid, priority, tags, authenticated, dedup_hash, pool, outputs,
        inputs_fetch, canceled_by, revision)
      VALUES (@id, @spec, @state, @current_slice, @created_ms, @modified_ms, @started_ms,
        @completed_ms, @abandoned_ms, @kill_requested_ms, @process_started, @bot_id,
        @bot_dimensions, @lease_id, @exit_code, @duration_secs, @failure, @internal_failure,
        @deduped_from, @output_size, @summary, @user, @request_uuid, @priority, @tags,
        @authenticated, @dedup_hash, @pool, @outputs, @inputs_fetch, @canceled_by,
        @revision)`);
    this.#getTask = db.prepare('SELECT * FROM tasks WHERE id = ?');
    const byRequestUuid = db.prepare<[string, string, number], SqliteTaskRow>(
      `SELECT * FROM tasks WHERE authenticated = ? AND request_uuid = ? AND created_ms >= ?
       ORDER BY created_ms DESC LIMIT 1`,
    );
    const insertTag = db.prepare(
      'INSERT OR IGNORE INTO task_tags (tag, created_ms, task_id) VALUES (?, ?, ?)',
    );
    const insertSecret = db.prepare<[string, Uint8Array]>(
      'INSERT INTO task_secrets (task_id, ciphertext) VALUES (?, ?)',
    );
    this.#getSecret = db.prepare('SELECT ciphertext FROM task_secrets WHERE task_id = ?');
    const insertOne = (
      task: Task,
      batch: RequestUuidBatch,
      extras: TaskInsertExtras | undefined,
    ): InsertOutcome => {
      const lookup = batch.lookup(task);
      const row =
        lookup === undefined
          ? undefined
          : byRequestUuid.get(lookup.authenticated, lookup.requestUuid, lookup.sinceMs);
      const outcome = batch.decide(task, row === undefined ? undefined : sqliteRowToTask(row));
      if (!outcome.inserted) return outcome;
      insertTask.run({
        ...mutableTaskColumns(task),
        id: task.id,
        spec: JSON.stringify(task.spec),
        created_ms: task.createdAtMs,
        output_size: task.outputSize,
        user: task.spec.user,
        request_uuid: task.spec.requestUuid,
        priority: task.spec.priority,
        tags: JSON.stringify(task.spec.tags),
        authenticated: task.spec.authenticated,
        pool: taskPoolOf(task.spec),
      });
      for (const tag of task.spec.tags) insertTag.run(tag, task.createdAtMs, task.id);
      if (extras?.sealedSecret !== undefined) insertSecret.run(task.id, extras.sealedSecret);
      if (extras?.casReferences !== undefined) {
        cas.addCasReferences(this.#sql, task.id, taskPoolOf(task.spec), extras.casReferences);
      }
      return outcome;
    };
    this.#insertTx = db.transaction((task: Task, extras: TaskInsertExtras | undefined) =>
      insertOne(task, new RequestUuidBatch(), extras),
    );
    // Inside a group commit this is a savepoint: a batch that fails is undone whole, the other
    // writes of the group commit stay.
    this.#insertManyTx = db.transaction(
      (tasks: readonly Task[], extras: readonly (TaskInsertExtras | undefined)[] | undefined) => {
        const batch = new RequestUuidBatch();
        return tasks.map((task, i) => insertOne(task, batch, extras?.[i]));
      },
    );
    this.#updateTask = db.prepare(`
      UPDATE tasks SET state = @state, current_slice = @current_slice, modified_ms = @modified_ms,
        started_ms = @started_ms, completed_ms = @completed_ms, abandoned_ms = @abandoned_ms,
        kill_requested_ms = @kill_requested_ms, process_started = @process_started,
        bot_id = @bot_id, bot_dimensions = @bot_dimensions, lease_id = @lease_id,
        exit_code = @exit_code, duration_secs = @duration_secs, failure = @failure,
        internal_failure = @internal_failure, deduped_from = @deduped_from, summary = @summary,
        dedup_hash = @dedup_hash, outputs = @outputs, inputs_fetch = @inputs_fetch,
        canceled_by = @canceled_by, revision = @revision
      WHERE id = @id AND revision = @expected_revision`);
    this.#runningTasksOf = db.prepare(runningTasksOfSql(SQLITE_TASK_SQL));
    const getForAppend = db.prepare<[string], OutputHolderRow>(
      'SELECT state, lease_id, output_size FROM tasks WHERE id = ?',
    );
    const insertChunk = db.prepare(
      'INSERT INTO task_output (task_id, offset, data) VALUES (?, ?, ?)',
    );
    const setSize = db.prepare('UPDATE tasks SET output_size = ? WHERE id = ?');
    this.#appendTx = db.transaction(
      (taskId: string, leaseId: string, offset: number, data: Uint8Array) => {
        const plan = planAppend(getForAppend.get(taskId), { leaseId, offset, data });
        if (plan.write) {
          insertChunk.run(taskId, plan.at, plan.bytes);
          setSize.run(plan.outcome.size, taskId);
        }
        return plan.outcome;
      },
    );
  }

  async insertTask(task: Task, extras?: TaskInsertExtras): Promise<InsertOutcome> {
    return this.#commits.write(() => this.#insertTx(task, extras));
  }

  async insertTasks(
    tasks: readonly Task[],
    extras?: readonly (TaskInsertExtras | undefined)[],
  ): Promise<InsertOutcome[]> {
    return this.#commits.write(() => this.#insertManyTx(tasks, extras));
  }

  async getSealedSecret(taskId: string): Promise<Buffer | undefined> {
    return this.#getSecret.get(taskId)?.ciphertext;
  }

  async findDedupSource(propertiesHash: string, sinceMs: number): Promise<Task | undefined> {
    const row = this.#sql
      .get<[string, number], SqliteTaskRow>(
        `SELECT * FROM tasks WHERE dedup_hash = ? AND completed_ms >= ?
         ORDER BY completed_ms DESC LIMIT 1`,
      )
      .get(propertiesHash, sinceMs);
    return row === undefined ? undefined : sqliteRowToTask(row);
  }

  async listTasks(query: TaskQuery, page: PageRequest): Promise<TaskPage> {
    const limit = pageLimit(page.limit);
    const { sql, values } = sqliteListTasksSql(query, { limit: limit + 1, cursor: page.cursor });
    const rows = this.#sql.get<unknown[], SqliteTaskRow>(sql).all(...values);
    return taskPage(rows.map(sqliteRowToTask), limit, query.sort);
  }

  async countTasks(query: TaskQuery): Promise<number> {
    const { sql, values } = countTasksSql(query, SQLITE_TASK_SQL);
    return this.#sql.get<unknown[], { n: number }>(sql).get(...values)?.n ?? 0;
  }

  async getTask(id: string): Promise<Task | undefined> {
    const row = this.#getTask.get(id);
    return row === undefined ? undefined : sqliteRowToTask(row);
  }

  async updateTask(next: Task, expected: ExpectedTask): Promise<boolean> {
    checkSuccessorRevision(next, expected);
    const columns = mutableTaskColumns(next);
    const previous = expected.previous;
    if (previous !== undefined && previous.revision === expected.revision) {
      // Only what changed: SQLite rewrites every index on a column in the SET list, changed or
      // not (a finish would otherwise rewrite the bot's entry in tasks_by_bot, among others).
      const was = mutableTaskColumns(previous);
      const changed = MUTABLE_TASK_COLUMNS.filter((c) => c === 'revision' || columns[c] !== was[c]);
      const statement = this.#sql.get(
        `UPDATE tasks SET ${changed.map((c) => `${c} = ?`).join(', ')} WHERE id = ? AND revision = ?`,
      );
      const values = [...changed.map((c) => columns[c]), next.id, expected.revision];
      return this.#commits.write(() => statement.run(...values).changes === 1);
    }
    const params = { ...columns, id: next.id, expected_revision: expected.revision };
    return this.#commits.write(() => this.#updateTask.run(params).changes === 1);
  }

  async forEachPending(fn: (entry: PendingSummary) => void): Promise<number> {
    return forEachPending(this.#sql, fn);
  }

  async listTasksInStates(states: readonly StoredTaskState[]): Promise<Task[]> {
    if (states.length === 0) return [];
    const rows = this.#sql
      .get<string[], SqliteTaskRow>(
        `SELECT * FROM tasks WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY created_ms, id`,
      )
      .all(...states);
    return rows.map(sqliteRowToTask);
  }

  async listRunningTasksOf(botId: string): Promise<Task[]> {
    return this.#runningTasksOf.all(botId).map(sqliteRowToTask);
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
    await this.#commits.write(() => bots.upsertBot(this.#sql, bot));
  }

  async botDisconnected(bot: BotReport): Promise<boolean> {
    return this.#commits.write(() => bots.botDisconnected(this.#sql, bot));
  }

  async getBot(id: string): Promise<BotRecord | undefined> {
    return bots.getBot(this.#sql, id);
  }

  async listBots(): Promise<BotRecord[]> {
    return bots.listBots(this.#sql);
  }

  async setBotAdmin(id: string, patch: Partial<BotAdminState>): Promise<BotRecord | undefined> {
    return this.#commits.write(() => bots.setBotAdmin(this.#sql, id, patch));
  }

  async deleteBot(id: string): Promise<boolean> {
    return this.#commits.write(() => bots.deleteBot(this.#sql, id));
  }

  async appendBotEvent(event: BotEventRecord): Promise<void> {
    return this.appendBotEvents([event]);
  }

  async appendBotEvents(events: readonly BotEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.#commits.write(() => bots.appendBotEvents(this.#sql, events));
  }

  async listBotEvents(query: BotEventQuery, page: PageRequest): Promise<BotEventPage> {
    return bots.listBotEvents(this.#sql, query, page);
  }

  async pruneBotEvents(beforeMs: number): Promise<number> {
    return this.#commits.write(() => bots.pruneBotEvents(this.#sql, beforeMs));
  }

  async enqueueWebhook(d: NewWebhook): Promise<boolean> {
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

  async putFleetSample(sample: FleetSampleRow, pruneBeforeMs: number): Promise<void> {
    await this.#commits.write(() => fleet.putFleetSample(this.#sql, sample, pruneBeforeMs));
  }

  async listFleetSamples(
    range: FleetRange,
    sinceMs: number,
    limit: number,
  ): Promise<FleetSampleRow[]> {
    return fleet.listFleetSamples(this.#sql, range, sinceMs, limit);
  }

  async touchCasBlobs(blobs: readonly CasBlobSize[], nowMs: number, uploader = ''): Promise<void> {
    if (blobs.length === 0) return;
    const touch = this.#db.transaction(() => cas.touchCasBlobs(this.#sql, blobs, nowMs, uploader));
    await this.#commits.write(() => touch());
  }

  async getCasBlob(hash: string): Promise<CasBlobRecord | undefined> {
    return cas.getCasBlob(this.#sql, hash);
  }

  async isCasUploader(hash: string, uploader: string): Promise<boolean> {
    return cas.isCasUploader(this.#sql, hash, uploader);
  }

  async addCasReferences(taskId: string, pool: string, hashes: readonly string[]): Promise<void> {
    if (hashes.length === 0) return;
    const add = this.#db.transaction(() => cas.addCasReferences(this.#sql, taskId, pool, hashes));
    await this.#commits.write(() => add());
  }

  async casReferencePools(hash: string, limit: number): Promise<string[]> {
    return cas.casReferencePools(this.#sql, hash, limit);
  }

  async isCasReferencedByTask(hash: string, taskIds: readonly string[]): Promise<boolean> {
    return cas.isCasReferencedByTask(this.#sql, hash, taskIds);
  }

  async casRunningReferrers(hash: string, limit: number): Promise<CasRunningReferrer[]> {
    return cas.casRunningReferrers(this.#sql, hash, limit);
  }

  async listCasGarbage(cutoffMs: number, limit: number): Promise<CasBlobSize[]> {
    return cas.listCasGarbage(this.#sql, cutoffMs, limit);
  }

  async deleteCasBlobIfGarbage(hash: string, cutoffMs: number): Promise<boolean> {
    const del = this.#db.transaction(() => cas.deleteCasBlobIfGarbage(this.#sql, hash, cutoffMs));
    return this.#commits.write(() => del());
  }

  async casTotals(): Promise<{ blobs: number; bytes: number }> {
    return cas.casTotals(this.#sql);
  }

  async purgeTasks(request: PurgeTasksRequest): Promise<PurgeTasksResult> {
    const purge = this.#db.transaction(() => retention.purgeTasks(this.#sql, request));
    return this.#commits.write(() => purge());
  }

  async acquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return this.#commits.write(() => retention.acquireLease(this.#sql, name, holder, nowMs, ttlMs));
  }

  async renewLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return this.#commits.write(() => retention.renewLease(this.#sql, name, holder, nowMs, ttlMs));
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.#commits.write(() => retention.releaseLease(this.#sql, name, holder));
  }

  async getLease(name: string): Promise<{ holder: string; expiresMs: number } | undefined> {
    return retention.getLease(this.#sql, name);
  }

  async reclaimSpace(maxPages: number): Promise<number> {
    return this.#commits.write(() => retention.reclaimSpace(this.#db, maxPages));
  }

  async sizeBytes(): Promise<number> {
    return retention.sizeBytes(this.#sql, this.#file);
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

  async insertAccessToken(t: AccessTokenRecord): Promise<boolean> {
    return this.#commits.write(() => access.insertAccessToken(this.#sql, t));
  }

  async revokeAccessToken(
    id: string,
    nowMs: number,
    by: string,
  ): Promise<AccessTokenRecord | undefined> {
    const revoke = this.#db.transaction(() => access.revokeAccessToken(this.#sql, id, nowMs, by));
    return this.#commits.write(() => revoke());
  }

  async touchAccessTokens(used: readonly { id: string; lastUsedMs: number }[]): Promise<void> {
    if (used.length === 0) return;
    const touch = this.#db.transaction(() => access.touchAccessTokens(this.#sql, used));
    await this.#commits.write(() => touch());
  }

  async listAccessTokens(): Promise<AccessTokenRecord[]> {
    return access.listAccessTokens(this.#sql);
  }

  async putPrincipal(p: StoredPrincipal): Promise<void> {
    const put = this.#db.transaction(() => access.putPrincipal(this.#sql, p));
    await this.#commits.write(() => put());
  }

  async deletePrincipal(
    name: string,
    nowMs: number,
    by: string,
  ): Promise<{ deleted: boolean; tokens: number }> {
    const del = this.#db.transaction(() =>
      access.deleteSubject(this.#sql, 'principal', name, nowMs, by),
    );
    return this.#commits.write(() => del());
  }

  async listPrincipals(): Promise<StoredPrincipal[]> {
    return access.listPrincipals(this.#sql);
  }

  async putBotGroup(g: StoredBotGroup): Promise<void> {
    const put = this.#db.transaction(() => access.putBotGroup(this.#sql, g));
    await this.#commits.write(() => put());
  }

  async deleteBotGroup(
    name: string,
    nowMs: number,
    by: string,
  ): Promise<{ deleted: boolean; tokens: number }> {
    const del = this.#db.transaction(() =>
      access.deleteSubject(this.#sql, 'bot_group', name, nowMs, by),
    );
    return this.#commits.write(() => del());
  }

  async listBotGroups(): Promise<StoredBotGroup[]> {
    return access.listBotGroups(this.#sql);
  }

  async appendAudit(entries: readonly NewAuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const append = this.#db.transaction(() => access.appendAudit(this.#sql, entries));
    await this.#commits.write(() => append());
  }

  async listAudit(q: AuditQuery): Promise<AuditRecord[]> {
    return access.listAudit(this.#sql, q);
  }

  async pruneAudit(beforeMs: number, limit: number): Promise<number> {
    return this.#commits.write(() => access.pruneAudit(this.#sql, beforeMs, limit));
  }
}
