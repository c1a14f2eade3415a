import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import type { StoredTaskState } from '../../task/task-state';
import { taskPoolOf } from '../../task/task-pool';
import type { Task } from '../../task/types';
import { encodeNote, taskNote, type ChangeFeed, type ChangeNote } from '../change-feed';
import { planAppend, type OutputHolderRow } from '../append-output';
import { pageLimit, taskPage } from '../cursor';
import { sliceOutput } from '../output-chunks';
import { RequestUuidBatch, requestUuidKey } from '../request-uuid';
import {
  type AppendOutputOutcome,
  type BotAdminState,
  type BotEventPage,
  type BotEventQuery,
  type BotEventRecord,
  type BotRecord,
  type BotReport,
  type ExpectedTask,
  type InsertOutcome,
  type PendingSummary,
  type Store,
  type TaskInsertExtras,
  type TaskPage,
  type TaskQuery,
  type PageRequest,
} from '../store';
import * as bots from './pg-bots';
import { PgChangeFeed, changeChannel } from './pg-change-feed';
import { PgGraphStore } from './pg-graph';
import { checkSchemaName, migrate } from './pg-migrations';
import { streamPending } from './pg-pending';
import { TASK_COLUMNS, mutableTaskValues } from './pg-rows';
import { PG_TASK_SQL, pgListTasksSql } from './pg-task-query';
import { countTasksSql, runningTasksOfSql } from '../task-filter';
import { MUTABLE_TASK_COLUMNS, rowToTask, type TaskRow } from '../task-row';
import { checkSuccessorRevision } from '../task-revision';
import { LOCK_SPACE, inTransaction } from './pg-tx';
import * as webhooks from './pg-webhooks';
import * as fleet from './pg-fleet';
import type { FleetRange, FleetSampleRow } from '../fleet-store';
import * as retention from './pg-retention';
import type { PurgeTasksRequest, PurgeTasksResult } from '../retention-store';
import * as cas from './pg-cas';
import * as access from './pg-access';
import type {
  AccessTokenRecord,
  AuditQuery,
  AuditRecord,
  NewAuditRecord,
  StoredBotGroup,
  StoredPrincipal,
} from '../access-store';
import type { CasBlobRecord, CasBlobSize, CasRunningReferrer } from '../cas-store';
import type {
  NewWebhook,
  WebhookDelivery,
  WebhookRecord,
  WebhookSettlement,
} from '../webhook-store';

export interface PgStoreOptions {
  /** `postgres://user:password@host:port/database`; must not set `options` (see schema). */
  readonly url: string;
  /**
   * The schema that holds every table, created when missing (lower-case identifier). Several
   * Drover deployments can share a database in schemas of their own.
   * @default 'public'
   */
  readonly schema?: string;
  /** @default 10 */
  readonly maxConnections?: number;
  /**
   * How long opening a connection, or waiting for a free one in the pool, may take before the
   * call fails (an unreachable server must not hang start-up).
   * @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Told about an error on an idle connection (the server restarted, a network cut); the pool
   * drops that connection and opens another when needed.
   * @default ignore it
   */
  readonly onIdleError?: (err: Error) => void;
  /**
   * Told when the LISTEN connection of `changes` fails (it reconnects by itself).
   * @default ignore it
   */
  readonly onFeedError?: (err: Error) => void;
}

/** int8 (BIGINT, COUNT) as a JS number: every value Drover stores is below 2^53. */
const INT8_OID = 20;

/**
 * Opens the PostgreSQL store (DESIGN.md §6): a connection pool whose connections use `schema`,
 * migrated to the newest schema this code knows (safe when several coordinators start at once;
 * refuses a newer schema). Rejects, leaving nothing open, when the server is unreachable.
 */
export async function openPgStore(options: PgStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public';
  checkSchemaName(schema);
  if (hasOptionsParam(options.url)) {
    throw new Error('url: must not set options=, the store sets search_path itself');
  }
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (v: string) => Number(v));
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    options: `-c search_path=${schema}`,
    types,
  });
  const onIdleError = options.onIdleError ?? (() => undefined);
  pool.on('error', onIdleError);
  try {
    await migrate(pool, schema);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const origin = randomUUID();
  const feed = new PgChangeFeed({
    url: options.url,
    schema,
    origin,
    onError: options.onFeedError ?? (() => undefined),
  });
  return new PgStore(pool, schema, feed, origin);
}

function hasOptionsParam(url: string): boolean {
  try {
    return new URL(url).searchParams.has('options');
  } catch {
    return false;
  }
}

const INSERT_COLUMNS = [
  'id',
  'spec',
  'created_ms',
  'output_size',
  'user_name',
  'authenticated',
  'request_uuid',
  'priority',
  'tags',
  'pool',
  ...MUTABLE_TASK_COLUMNS,
];

const INSERT_TASK = `INSERT INTO tasks (${INSERT_COLUMNS.join(', ')})
  VALUES (${INSERT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;

const N_MUTABLE = MUTABLE_TASK_COLUMNS.length;

/** The conditional write and its note in one statement: the note goes out iff the row changed. */
const UPDATE_TASK = `WITH changed AS (
    UPDATE tasks SET ${MUTABLE_TASK_COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ')}
    WHERE id = $1 AND revision = $${N_MUTABLE + 2}
    RETURNING 1)
  SELECT pg_notify($${N_MUTABLE + 3}, $${N_MUTABLE + 4}) FROM changed`;

const RUNNING_TASKS_OF = runningTasksOfSql(PG_TASK_SQL);

/** Tasks here; bots in pg-bots.ts; the graph tables in PgGraphStore (pg-graph.ts). */
class PgStore extends PgGraphStore implements Store {
  readonly #pool: Pool;
  readonly #feed: PgChangeFeed;
  readonly #channel: string;
  readonly #origin: string;
  readonly #schema: string;
  #closed: Promise<void> | undefined;

  constructor(pool: Pool, schema: string, feed: PgChangeFeed, origin: string) {
    super(pool, schema);
    this.#pool = pool;
    this.#feed = feed;
    this.#channel = changeChannel(schema);
    this.#origin = origin;
    this.#schema = schema;
  }

  get changes(): ChangeFeed {
    return this.#feed;
  }

  /** [channel, payload] for pg_notify: every write tells the other replicas what changed. */
  #note(note: ChangeNote): [string, string] {
    return [this.#channel, encodeNote(this.#origin, note)];
  }

  async insertTask(task: Task, extras?: TaskInsertExtras): Promise<InsertOutcome> {
    return inTransaction(this.#pool, (c) =>
      this.#insertIn(c, task, new RequestUuidBatch(), extras),
    );
  }

  async insertTasks(
    tasks: readonly Task[],
    extras?: readonly (TaskInsertExtras | undefined)[],
  ): Promise<InsertOutcome[]> {
    return inTransaction(this.#pool, async (c) => {
      // The batch's request_uuid locks taken up front, in one order, so that two batches naming
      // the same uuids in different orders cannot deadlock; #insertIn takes each again (a
      // session holds an advisory lock any number of times).
      const keys = tasks.map((t) => requestUuidKey(t.spec)).filter((k) => k !== '');
      if (keys.length > 0) {
        await c.query(
          `SELECT pg_advisory_xact_lock($1, h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY h) AS s`,
          [LOCK_SPACE.requestUuid, keys],
        );
      }
      const out: InsertOutcome[] = [];
      const batch = new RequestUuidBatch();
      for (const [i, task] of tasks.entries()) {
        out.push(await this.#insertIn(c, task, batch, extras?.[i]));
      }
      return out;
    });
  }

  /** insertTask's work inside the transaction of `c`; `batch` decides its request_uuid. */
  async #insertIn(
    c: PoolClient,
    task: Task,
    batch: RequestUuidBatch,
    extras: TaskInsertExtras | undefined,
  ): Promise<InsertOutcome> {
    const { spec } = task;
    const lookup = batch.lookup(task);
    let found: Task | undefined;
    if (lookup !== undefined) {
      // Two racing submits of one request serialize here; the second finds the first.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        LOCK_SPACE.requestUuid,
        requestUuidKey(spec),
      ]);
      const { rows } = await c.query<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks
         WHERE authenticated = $1 AND request_uuid = $2 AND created_ms >= $3
         ORDER BY created_ms DESC LIMIT 1`,
        [lookup.authenticated, lookup.requestUuid, lookup.sinceMs],
      );
      found = rows[0] === undefined ? undefined : rowToTask(rows[0]);
    }
    const outcome = batch.decide(task, found);
    if (!outcome.inserted) return outcome;
    await c.query(INSERT_TASK, [
      task.id,
      JSON.stringify(spec),
      task.createdAtMs,
      task.outputSize,
      spec.user,
      spec.authenticated,
      spec.requestUuid,
      spec.priority,
      JSON.stringify(spec.tags),
      taskPoolOf(spec),
      ...mutableTaskValues(task),
    ]);
    if (spec.tags.length > 0) {
      await c.query(
        `INSERT INTO task_tags (tag, created_ms, task_id)
         SELECT DISTINCT unnest($1::text[]), $2::bigint, $3 ON CONFLICT DO NOTHING`,
        [spec.tags, task.createdAtMs, task.id],
      );
    }
    if (extras?.sealedSecret !== undefined) {
      await c.query('INSERT INTO task_secrets (task_id, ciphertext) VALUES ($1, $2)', [
        task.id,
        Buffer.from(extras.sealedSecret),
      ]);
    }
    if (extras?.casReferences !== undefined && extras.casReferences.length > 0) {
      await c.query(cas.INSERT_CAS_REFERENCES, [
        [...extras.casReferences],
        task.id,
        taskPoolOf(spec),
      ]);
    }
    await c.query('SELECT pg_notify($1, $2)', this.#note(taskNote(task)));
    return { inserted: true };
  }

  async getSealedSecret(taskId: string): Promise<Buffer | undefined> {
    const { rows } = await this.#pool.query<{ ciphertext: Buffer }>(
      'SELECT ciphertext FROM task_secrets WHERE task_id = $1',
      [taskId],
    );
    return rows[0]?.ciphertext;
  }

  async findDedupSource(propertiesHash: string, sinceMs: number): Promise<Task | undefined> {
    const { rows } = await this.#pool.query<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE dedup_hash = $1 AND completed_ms >= $2
       ORDER BY completed_ms DESC LIMIT 1`,
      [propertiesHash, sinceMs],
    );
    return rows[0] === undefined ? undefined : rowToTask(rows[0]);
  }

  async listTasks(query: TaskQuery, page: PageRequest): Promise<TaskPage> {
    const limit = pageLimit(page.limit);
    const { sql, values } = pgListTasksSql(query, { limit: limit + 1, cursor: page.cursor });
    const { rows } = await this.#pool.query<TaskRow>(sql, values);
    return taskPage(rows.map(rowToTask), limit, query.sort);
  }

  async countTasks(query: TaskQuery): Promise<number> {
    const { sql, values } = countTasksSql(query, PG_TASK_SQL);
    const { rows } = await this.#pool.query<{ n: number }>(sql, values);
    return rows[0]?.n ?? 0;
  }

  async getTask(id: string): Promise<Task | undefined> {
    const { rows } = await this.#pool.query<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? undefined : rowToTask(rows[0]);
  }

  async updateTask(next: Task, expected: ExpectedTask): Promise<boolean> {
    checkSuccessorRevision(next, expected);
    const { rowCount } = await this.#pool.query(UPDATE_TASK, [
      next.id,
      ...mutableTaskValues(next),
      expected.revision,
      ...this.#note(taskNote(next)),
    ]);
    return rowCount === 1;
  }

  async forEachPending(fn: (entry: PendingSummary) => void): Promise<number> {
    return streamPending(this.#pool, fn);
  }

  async listTasksInStates(states: readonly StoredTaskState[]): Promise<Task[]> {
    if (states.length === 0) return [];
    const { rows } = await this.#pool.query<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE state = ANY($1::text[]) ORDER BY created_ms, id`,
      [states],
    );
    return rows.map(rowToTask);
  }

  async listRunningTasksOf(botId: string): Promise<Task[]> {
    const { rows } = await this.#pool.query<TaskRow>(RUNNING_TASKS_OF, [botId]);
    return rows.map(rowToTask);
  }

  async appendOutput(
    taskId: string,
    leaseId: string,
    offset: number,
    data: Uint8Array,
  ): Promise<AppendOutputOutcome> {
    return inTransaction(this.#pool, async (c): Promise<AppendOutputOutcome> => {
      const { rows } = await c.query<OutputHolderRow>(
        'SELECT state, lease_id, output_size FROM tasks WHERE id = $1 FOR UPDATE',
        [taskId],
      );
      const plan = planAppend(rows[0], { leaseId, offset, data });
      if (!plan.write) return plan.outcome;
      const { size } = plan.outcome;
      await c.query('INSERT INTO task_output (task_id, byte_offset, data) VALUES ($1, $2, $3)', [
        taskId,
        plan.at,
        plan.bytes,
      ]);
      await c.query('UPDATE tasks SET output_size = $2 WHERE id = $1', [taskId, size]);
      await c.query('SELECT pg_notify($1, $2)', this.#note({ kind: 'output', id: taskId, size }));
      return plan.outcome;
    });
  }

  async readOutput(taskId: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    const end = offset + length;
    const { rows } = await this.#pool.query<{ byte_offset: number; data: Buffer }>(
      `SELECT byte_offset, data FROM task_output
       WHERE task_id = $1 AND byte_offset >= COALESCE(
         (SELECT MAX(byte_offset) FROM task_output WHERE task_id = $1 AND byte_offset <= $2), 0)
         AND byte_offset < $3
       ORDER BY byte_offset`,
      [taskId, offset, end],
    );
    return sliceOutput(
      rows.map((row) => ({ at: row.byte_offset, data: row.data })),
      offset,
      end,
    );
  }

  async upsertBot(bot: BotReport): Promise<void> {
    await bots.upsertBot(this.#pool, bot);
    await this.#notifyBot({
      kind: 'bot',
      id: bot.id,
      connected: bot.connected,
      sessionId: bot.sessionId,
      lastSeenMs: bot.lastSeenMs,
    });
  }

  async botDisconnected(bot: BotReport): Promise<boolean> {
    const written = await bots.botDisconnected(this.#pool, bot);
    if (written) {
      await this.#notifyBot({
        kind: 'bot',
        id: bot.id,
        connected: false,
        sessionId: bot.sessionId,
        lastSeenMs: bot.lastSeenMs,
      });
    }
    return written;
  }

  async #notifyBot(note: ChangeNote): Promise<void> {
    await this.#pool.query('SELECT pg_notify($1, $2)', this.#note(note));
  }

  async getBot(id: string): Promise<BotRecord | undefined> {
    return bots.getBot(this.#pool, id);
  }

  async listBots(): Promise<BotRecord[]> {
    return bots.listBots(this.#pool);
  }

  async setBotAdmin(id: string, patch: Partial<BotAdminState>): Promise<BotRecord | undefined> {
    const record = await bots.setBotAdmin(this.#pool, id, patch);
    if (record !== undefined) await this.#notifyBot({ kind: 'bot', id });
    return record;
  }

  async deleteBot(id: string): Promise<boolean> {
    const deleted = await bots.deleteBot(this.#pool, id);
    if (deleted) await this.#notifyBot({ kind: 'bot', id });
    return deleted;
  }

  async appendBotEvent(event: BotEventRecord): Promise<void> {
    return bots.appendBotEvents(this.#pool, [event]);
  }

  async appendBotEvents(events: readonly BotEventRecord[]): Promise<void> {
    return bots.appendBotEvents(this.#pool, events);
  }

  async listBotEvents(query: BotEventQuery, page: PageRequest): Promise<BotEventPage> {
    return bots.listBotEvents(this.#pool, query, page);
  }

  async pruneBotEvents(beforeMs: number): Promise<number> {
    return bots.pruneBotEvents(this.#pool, beforeMs);
  }

  async touchCasBlobs(blobs: readonly CasBlobSize[], nowMs: number, uploader = ''): Promise<void> {
    if (blobs.length === 0) return;
    await cas.touchCasBlobs(this.#pool, blobs, nowMs, uploader);
  }

  async getCasBlob(hash: string): Promise<CasBlobRecord | undefined> {
    return cas.getCasBlob(this.#pool, hash);
  }

  async isCasUploader(hash: string, uploader: string): Promise<boolean> {
    return cas.isCasUploader(this.#pool, hash, uploader);
  }

  async addCasReferences(taskId: string, pool: string, hashes: readonly string[]): Promise<void> {
    if (hashes.length === 0) return;
    await cas.addCasReferences(this.#pool, taskId, pool, hashes);
  }

  async casReferencePools(hash: string, limit: number): Promise<string[]> {
    return cas.casReferencePools(this.#pool, hash, limit);
  }

  async isCasReferencedByTask(hash: string, taskIds: readonly string[]): Promise<boolean> {
    return cas.isCasReferencedByTask(this.#pool, hash, taskIds);
  }

  async casRunningReferrers(hash: string, limit: number): Promise<CasRunningReferrer[]> {
    return cas.casRunningReferrers(this.#pool, hash, limit);
  }

  async listCasGarbage(cutoffMs: number, limit: number): Promise<CasBlobSize[]> {
    return cas.listCasGarbage(this.#pool, cutoffMs, limit);
  }

  async deleteCasBlobIfGarbage(hash: string, cutoffMs: number): Promise<boolean> {
    return cas.deleteCasBlobIfGarbage(this.#pool, hash, cutoffMs);
  }

  async casTotals(): Promise<{ blobs: number; bytes: number }> {
    return cas.casTotals(this.#pool);
  }

  async enqueueWebhook(d: NewWebhook): Promise<boolean> {
    return webhooks.enqueueWebhook(this.#pool, d);
  }

  async claimWebhooks(nowMs: number, untilMs: number, limit: number): Promise<WebhookDelivery[]> {
    return webhooks.claimWebhooks(this.#pool, nowMs, untilMs, limit);
  }

  async settleWebhook(
    taskId: string,
    state: string,
    attempt: number,
    outcome: WebhookSettlement,
    nowMs: number,
  ): Promise<boolean> {
    return webhooks.settleWebhook(this.#pool, taskId, state, attempt, outcome, nowMs);
  }

  async getWebhook(taskId: string, state: string): Promise<WebhookRecord | undefined> {
    return webhooks.getWebhook(this.#pool, taskId, state);
  }

  async getNextWebhookDueMs(): Promise<number | undefined> {
    return webhooks.getNextWebhookDueMs(this.#pool);
  }

  async pruneWebhooks(beforeMs: number): Promise<number> {
    return webhooks.pruneWebhooks(this.#pool, beforeMs);
  }

  async putFleetSample(sample: FleetSampleRow, pruneBeforeMs: number): Promise<void> {
    await fleet.putFleetSample(this.#pool, sample, pruneBeforeMs);
  }

  async listFleetSamples(
    range: FleetRange,
    sinceMs: number,
    limit: number,
  ): Promise<FleetSampleRow[]> {
    return fleet.listFleetSamples(this.#pool, range, sinceMs, limit);
  }

  async purgeTasks(request: PurgeTasksRequest): Promise<PurgeTasksResult> {
    return retention.purgeTasks(this.#pool, request);
  }

  async acquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return retention.acquireLease(this.#pool, name, holder, nowMs, ttlMs);
  }

  async renewLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return retention.renewLease(this.#pool, name, holder, nowMs, ttlMs);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    return retention.releaseLease(this.#pool, name, holder);
  }

  async getLease(name: string): Promise<{ holder: string; expiresMs: number } | undefined> {
    return retention.getLease(this.#pool, name);
  }

  /** Nothing to do: autovacuum makes the space of deleted rows reusable. */
  async reclaimSpace(_maxPages: number): Promise<number> {
    return 0;
  }

  async sizeBytes(): Promise<number> {
    return retention.sizeBytes(this.#pool, this.#schema);
  }

  /** Ends the pool once; later calls wait for the same end. */
  async close(): Promise<void> {
    this.#closed ??= this.#feed.close().then(() => this.#pool.end());
    return this.#closed;
  }

  /** The `access` note: the other replicas reload tokens, principals and bot groups. */
  get #accessNote(): readonly [string, string] {
    return this.#note({ kind: 'access' });
  }

  async insertAccessToken(t: AccessTokenRecord): Promise<boolean> {
    return access.insertAccessToken(this.#pool, t, this.#accessNote);
  }

  async revokeAccessToken(
    id: string,
    nowMs: number,
    by: string,
  ): Promise<AccessTokenRecord | undefined> {
    return access.revokeAccessToken(this.#pool, id, nowMs, by, this.#accessNote);
  }

  async touchAccessTokens(used: readonly { id: string; lastUsedMs: number }[]): Promise<void> {
    if (used.length === 0) return;
    await access.touchAccessTokens(this.#pool, used);
  }

  async listAccessTokens(): Promise<AccessTokenRecord[]> {
    return access.listAccessTokens(this.#pool);
  }

  async putPrincipal(p: StoredPrincipal): Promise<void> {
    await access.putPrincipal(this.#pool, p, this.#accessNote);
  }

  async deletePrincipal(
    name: string,
    nowMs: number,
    by: string,
  ): Promise<{ deleted: boolean; tokens: number }> {
    return access.deleteSubject(this.#pool, 'principal', name, nowMs, by, this.#accessNote);
  }

  async listPrincipals(): Promise<StoredPrincipal[]> {
    return access.listPrincipals(this.#pool);
  }

  async putBotGroup(g: StoredBotGroup): Promise<void> {
    await access.putBotGroup(this.#pool, g, this.#accessNote);
  }

  async deleteBotGroup(
    name: string,
    nowMs: number,
    by: string,
  ): Promise<{ deleted: boolean; tokens: number }> {
    return access.deleteSubject(this.#pool, 'bot_group', name, nowMs, by, this.#accessNote);
  }

  async listBotGroups(): Promise<StoredBotGroup[]> {
    return access.listBotGroups(this.#pool);
  }

  async appendAudit(entries: readonly NewAuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    await access.appendAudit(this.#pool, entries);
  }

  async listAudit(q: AuditQuery): Promise<AuditRecord[]> {
    return access.listAudit(this.#pool, q);
  }

  async pruneAudit(beforeMs: number, limit: number): Promise<number> {
    return access.pruneAudit(this.#pool, beforeMs, limit);
  }
}
