import type { Pool } from 'pg';
import { LOCK_SPACE, inTransaction } from './pg-tx';

export interface PgMigration {
  readonly version: number;
  readonly sql: string;
}

/**
 * Versioned schema of the PostgreSQL store: the meaning of the SQLite schema (migrations.ts of
 * the SQLite adapter) in PostgreSQL types — BIGINT milliseconds, JSONB documents, BYTEA output,
 * BOOLEAN flags, ids in the "C" collation so that they sort as SQLite sorts them. Every table is
 * created in the store's schema (search_path). Append only: never edit a migration that shipped.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    // Tasks, their tags and output; bots, their admin state and events.
    version: 1,
    sql: `
      CREATE TABLE tasks (
        id TEXT COLLATE "C" PRIMARY KEY,
        spec JSONB NOT NULL,
        state TEXT NOT NULL,
        current_slice INTEGER NOT NULL,
        created_ms BIGINT NOT NULL,
        modified_ms BIGINT NOT NULL,
        started_ms BIGINT,
        completed_ms BIGINT,
        abandoned_ms BIGINT,
        kill_requested_ms BIGINT,
        process_started BOOLEAN NOT NULL DEFAULT FALSE,
        bot_id TEXT COLLATE "C",
        bot_dimensions JSONB NOT NULL DEFAULT '[]',
        lease_id TEXT,
        exit_code BIGINT,
        duration_secs DOUBLE PRECISION,
        failure BOOLEAN NOT NULL DEFAULT FALSE,
        internal_failure BOOLEAN NOT NULL DEFAULT FALSE,
        deduped_from TEXT,
        output_size BIGINT NOT NULL DEFAULT 0,
        summary TEXT NOT NULL DEFAULT '',
        user_name TEXT NOT NULL DEFAULT '',
        authenticated TEXT NOT NULL DEFAULT '',
        request_uuid TEXT NOT NULL DEFAULT '',
        priority INTEGER NOT NULL,
        tags JSONB NOT NULL DEFAULT '[]',
        dedup_hash TEXT,
        pool TEXT COLLATE "C" NOT NULL DEFAULT ''
      );
      CREATE INDEX tasks_by_state ON tasks (state, created_ms, id);
      CREATE INDEX tasks_by_created ON tasks (created_ms, id);
      CREATE INDEX tasks_by_request_uuid ON tasks (authenticated, request_uuid, created_ms)
        WHERE request_uuid <> '';
      CREATE INDEX tasks_by_dedup_hash ON tasks (dedup_hash, completed_ms)
        WHERE dedup_hash IS NOT NULL;
      CREATE INDEX tasks_by_pool ON tasks (pool, created_ms);
      CREATE INDEX tasks_by_bot ON tasks (bot_id, created_ms) WHERE bot_id IS NOT NULL;
      CREATE TABLE task_tags (
        tag TEXT COLLATE "C" NOT NULL,
        created_ms BIGINT NOT NULL,
        task_id TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (tag, created_ms, task_id)
      );
      CREATE TABLE task_output (
        task_id TEXT COLLATE "C" NOT NULL,
        byte_offset BIGINT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (task_id, byte_offset)
      );
      CREATE TABLE bots (
        id TEXT COLLATE "C" PRIMARY KEY,
        dimensions JSONB NOT NULL,
        version TEXT NOT NULL DEFAULT '',
        first_seen_ms BIGINT NOT NULL,
        last_seen_ms BIGINT NOT NULL,
        state JSONB NOT NULL DEFAULT '{}',
        session_id TEXT NOT NULL DEFAULT '',
        connected BOOLEAN NOT NULL DEFAULT FALSE,
        admin_quarantined_reason TEXT NOT NULL DEFAULT '',
        maintenance BOOLEAN NOT NULL DEFAULT FALSE,
        maintenance_msg TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE bot_events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ts_ms BIGINT NOT NULL,
        bot_id TEXT COLLATE "C" NOT NULL,
        event_type TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        task_id TEXT NOT NULL DEFAULT '',
        dimensions JSONB NOT NULL DEFAULT '[]'
      );
      CREATE INDEX bot_events_by_bot ON bot_events (bot_id, ts_ms, seq);
      CREATE INDEX bot_events_by_ts ON bot_events (ts_ms, seq);
    `,
  },
  {
    // The workflow graph (DESIGN.md §5). Attempt and execution rows keep the whole entity
    // (`body`) beside the columns that conditional writes and lookups use.
    version: 2,
    sql: `
      CREATE TABLE graph_quests (
        id TEXT COLLATE "C" PRIMARY KEY,
        description JSONB NOT NULL,
        created_ms BIGINT NOT NULL
      );
      CREATE TABLE graph_attempts (
        quest TEXT COLLATE "C" NOT NULL,
        num INTEGER NOT NULL,
        state TEXT NOT NULL,
        num_executions INTEGER NOT NULL,
        created_ms BIGINT NOT NULL,
        body JSONB NOT NULL,
        PRIMARY KEY (quest, num)
      );
      CREATE INDEX graph_attempts_by_state ON graph_attempts (state, created_ms);
      CREATE TABLE graph_executions (
        quest TEXT COLLATE "C" NOT NULL,
        attempt INTEGER NOT NULL,
        num INTEGER NOT NULL,
        state TEXT NOT NULL,
        task_id TEXT,
        body JSONB NOT NULL,
        PRIMARY KEY (quest, attempt, num)
      );
      CREATE INDEX graph_executions_by_task ON graph_executions (task_id)
        WHERE task_id IS NOT NULL;
      CREATE INDEX graph_executions_active ON graph_executions (quest, attempt, num)
        WHERE state NOT IN ('FINISHED', 'ABNORMAL_FINISHED');
      CREATE TABLE graph_edges (
        from_quest TEXT COLLATE "C" NOT NULL,
        from_attempt INTEGER NOT NULL,
        to_quest TEXT COLLATE "C" NOT NULL,
        to_attempt INTEGER NOT NULL,
        PRIMARY KEY (from_quest, from_attempt, to_quest, to_attempt)
      );
      CREATE INDEX graph_edges_back ON graph_edges (to_quest, to_attempt);
    `,
  },
  {
    // Output files: what a task left in DROVER_OUTDIR, recorded with its final state
    // as JSON text {files: [{path, size, digest}], truncated}; NULL when none.
    version: 3,
    sql: `ALTER TABLE tasks ADD COLUMN outputs TEXT;`,
  },
  {
    // Task webhook notifications: kept until delivered or given up, so that a restart
    // loses none; one per (task, state); seq orders a task's notifications.
    version: 4,
    sql: `
      CREATE TABLE webhook_deliveries (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task_id TEXT COLLATE "C" NOT NULL,
        state TEXT NOT NULL,
        url TEXT NOT NULL,
        body TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        status TEXT NOT NULL DEFAULT 'waiting',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        claimed_until_ms BIGINT NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        settled_ms BIGINT NOT NULL DEFAULT 0,
        UNIQUE (task_id, state)
      );
      CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (next_attempt_ms, seq)
        WHERE status = 'waiting';
      CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id, seq)
        WHERE status = 'waiting';
      CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (settled_ms)
        WHERE status <> 'waiting';
    `,
  },
  {
    // ListTasks sorted by started or completed time: each page an index range. Partial,
    // as those sorts list only tasks that have the time.
    version: 5,
    sql: `
      CREATE INDEX tasks_by_started ON tasks (started_ms, id) WHERE started_ms IS NOT NULL;
      CREATE INDEX tasks_by_completed ON tasks (completed_ms, id) WHERE completed_ms IS NOT NULL;
    `,
  },
  {
    // A revision per task: updateTask writes only over the revision its successor came from. The
    // RUNNING tasks of a bot (listRunningTasksOf) are an index range.
    version: 6,
    sql: `
      ALTER TABLE tasks ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
      CREATE INDEX tasks_running_by_bot ON tasks (bot_id, created_ms, id) WHERE state = 'RUNNING';
    `,
  },
  {
    // Pipelines (issue 25): a quest's display name (not part of its id), and the pipeline runs,
    // each recorded with its attempts: pools and steps as JSON text; listed newest first,
    // by name (getRunByName, a LIKE pattern) or not. "C" collation: byte order, and LIKE
    // prefixes use the index.
    version: 7,
    sql: `
      ALTER TABLE graph_quests ADD COLUMN name TEXT NOT NULL DEFAULT '';
      CREATE TABLE graph_runs (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL,
        created_ms BIGINT NOT NULL,
        user_name TEXT NOT NULL,
        pools TEXT NOT NULL,
        steps TEXT NOT NULL
      );
      CREATE INDEX graph_runs_by_name ON graph_runs (name, created_ms, id);
      CREATE INDEX graph_runs_by_created ON graph_runs (created_ms, id);
    `,
  },
  {
    // Content-addressed storage (issue 26): the blobs held (created and last touched, for the
    // blob GC), who uploaded each, and the tasks referencing them (input tree and files, output
    // files; with the task's pool, for Download access), deleted with their task.
    version: 8,
    sql: `
      CREATE TABLE cas_blobs (
        hash TEXT COLLATE "C" PRIMARY KEY,
        size_bytes BIGINT NOT NULL,
        created_ms BIGINT NOT NULL,
        touched_ms BIGINT NOT NULL
      );
      CREATE INDEX cas_blobs_by_touched ON cas_blobs (touched_ms);
      CREATE TABLE cas_uploads (
        hash TEXT COLLATE "C" NOT NULL,
        uploader TEXT COLLATE "C" NOT NULL,
        created_ms BIGINT NOT NULL,
        PRIMARY KEY (hash, uploader)
      );
      CREATE TABLE cas_refs (
        hash TEXT COLLATE "C" NOT NULL,
        task_id TEXT COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        pool TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (hash, task_id)
      );
      CREATE INDEX cas_refs_by_task ON cas_refs (task_id);
    `,
  },
  {
    // Secret bytes (issue 26): sealed by the coordinator (AES-256-GCM), apart from the request,
    // one row per task that has them; deleted with the task row.
    version: 9,
    sql: `
      CREATE TABLE task_secrets (
        task_id TEXT COLLATE "C" PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
        ciphertext BYTEA NOT NULL
      );
    `,
  },
  {
    // Retention (issue 26): final tasks by pool and end (a final task's modified_ms is when it
    // became final) so that purgeTasks reads the due ones as index ranges; tasks by the task
    // they were deduplicated from (a source stays while a copy remains); a lease table (one
    // coordinator purges at a time). Space: plain DELETEs, autovacuum reuses it.
    version: 10,
    sql: `
      CREATE INDEX tasks_final_by_pool_end ON tasks (pool, modified_ms)
        WHERE state NOT IN ('PENDING', 'RUNNING');
      CREATE INDEX tasks_by_deduped_from ON tasks (deduped_from) WHERE deduped_from IS NOT NULL;
      CREATE TABLE leases (
        name TEXT COLLATE "C" PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_ms BIGINT NOT NULL
      );
    `,
  },
  {
    // What fetching a task's input tree cost its bot: JSON text, NULL without a report.
    version: 11,
    sql: `ALTER TABLE tasks ADD COLUMN inputs_fetch TEXT;`,
  },
  {
    // Identity (issue 22): tokens (only their SHA-256 hashes), principals and bot groups managed
    // live through service Access; roles, scopes, bot id patterns and dimensions as JSONB; times
    // in ms, 0 for none. The audit log, newest first by id, read by time, by principal and by
    // pool (a pool admin's view); details as text (cut by the caller, not always valid JSON).
    // Who cancelled or killed a task ('' for nobody).
    version: 12,
    sql: `
      CREATE TABLE access_tokens (
        id TEXT COLLATE "C" PRIMARY KEY,
        hash TEXT COLLATE "C" NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        subject TEXT COLLATE "C" NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        scope JSONB NOT NULL DEFAULT '{}',
        created_ms BIGINT NOT NULL,
        created_by TEXT NOT NULL DEFAULT '',
        expires_ms BIGINT NOT NULL DEFAULT 0,
        revoked_ms BIGINT NOT NULL DEFAULT 0,
        revoked_by TEXT NOT NULL DEFAULT '',
        last_used_ms BIGINT NOT NULL DEFAULT 0
      );
      CREATE INDEX access_tokens_by_created ON access_tokens (created_ms, id);
      CREATE INDEX access_tokens_by_subject ON access_tokens (kind, subject);
      CREATE TABLE access_principals (
        name TEXT COLLATE "C" PRIMARY KEY,
        admin BOOLEAN NOT NULL DEFAULT FALSE,
        roles JSONB NOT NULL DEFAULT '{}',
        description TEXT NOT NULL DEFAULT '',
        updated_ms BIGINT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE access_bot_groups (
        name TEXT COLLATE "C" PRIMARY KEY,
        bot_ids JSONB NOT NULL DEFAULT '[]',
        dimensions JSONB NOT NULL DEFAULT '{}',
        description TEXT NOT NULL DEFAULT '',
        updated_ms BIGINT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE audit_log (
        id BIGSERIAL PRIMARY KEY,
        time_ms BIGINT NOT NULL,
        principal TEXT COLLATE "C" NOT NULL,
        peer TEXT NOT NULL DEFAULT '',
        action TEXT COLLATE "C" NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL DEFAULT '',
        pool TEXT COLLATE "C" NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_log_by_time ON audit_log (time_ms, id);
      CREATE INDEX audit_log_by_principal ON audit_log (principal, id);
      CREATE INDEX audit_log_by_pool ON audit_log (pool, id);
      ALTER TABLE tasks ADD COLUMN canceled_by TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    // The dashboard's recent quests (listRecentQuests: created, then id, newest first) read from
    // an index rather than a scan of every quest; the fleet page's samples (FleetStore), so that
    // a restart keeps the last hour and day: one row per range and time, pools as JSON text.
    version: 13,
    sql: `
      CREATE INDEX graph_quests_by_created ON graph_quests (created_ms, id);
      CREATE TABLE fleet_samples (
        range TEXT COLLATE "C" NOT NULL,
        at_ms BIGINT NOT NULL,
        pools TEXT NOT NULL,
        PRIMARY KEY (range, at_ms)
      );
    `,
  },
];

export const LATEST_PG_VERSION = Math.max(...PG_MIGRATIONS.map((m) => m.version));

/** Schema names this store accepts: unquoted PostgreSQL identifiers in lower case. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`schema: ${JSON.stringify(schema)} is not a lower-case SQL identifier`);
  }
}

/**
 * Brings `schema` to LATEST_PG_VERSION in one transaction under an advisory lock on the schema
 * name: coordinators that start together wait for the first one, then find nothing to do. A
 * schema newer than this code knows is refused before anything is written.
 */
export async function migrate(pool: Pool, schema: string): Promise<void> {
  checkSchemaName(schema);
  await inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_SPACE.migrate, schema]);
    const exists = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await c.query(`CREATE SCHEMA "${schema}"`);
    await c.query(`SET LOCAL search_path TO "${schema}"`);
    await c.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)`,
    );
    const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...applied);
    if (newest > LATEST_PG_VERSION) {
      throw new Error(
        `the database schema is version ${newest}, newer than this coordinator knows (${LATEST_PG_VERSION}): upgrade Drover`,
      );
    }
    for (const m of PG_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)', [
        m.version,
        Date.now(),
      ]);
    }
  });
}
