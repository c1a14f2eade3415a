import type Database from 'better-sqlite3';
import { taskPoolOf } from '../../task/task-pool';
import type { TaskSpec } from '../../task/types';

export interface SqliteMigration {
  readonly version: number;
  readonly sql: string;
  /** Runs after `sql`, in the same transaction: fills new columns from existing rows. */
  readonly backfill?: (db: Database.Database) => void;
  /**
   * Runs after the migration committed, outside any transaction (VACUUM cannot run in one), and
   * again at every open, as a crash may come between the commit and it: must be idempotent and
   * cheap once done.
   */
  readonly after?: (db: Database.Database) => void;
}

/** Versioned schema of the SQLite store. Append only: never edit a migration that shipped. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        state TEXT NOT NULL,
        current_slice INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        modified_ms INTEGER NOT NULL,
        started_ms INTEGER,
        completed_ms INTEGER,
        abandoned_ms INTEGER,
        kill_requested_ms INTEGER,
        process_started INTEGER NOT NULL DEFAULT 0,
        bot_id TEXT,
        bot_dimensions TEXT NOT NULL DEFAULT '[]',
        lease_id TEXT,
        exit_code INTEGER,
        duration_secs REAL,
        failure INTEGER NOT NULL DEFAULT 0,
        internal_failure INTEGER NOT NULL DEFAULT 0,
        deduped_from TEXT,
        output_size INTEGER NOT NULL DEFAULT 0,
        summary TEXT NOT NULL DEFAULT '',
        user TEXT NOT NULL DEFAULT '',
        request_uuid TEXT NOT NULL DEFAULT '',
        priority INTEGER NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX tasks_by_state ON tasks (state, created_ms);
      CREATE INDEX tasks_by_created ON tasks (created_ms);
      CREATE TABLE task_output (
        task_id TEXT NOT NULL,
        offset INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (task_id, offset)
      ) WITHOUT ROWID;
      CREATE TABLE bots (
        id TEXT PRIMARY KEY,
        dimensions TEXT NOT NULL,
        version TEXT NOT NULL DEFAULT '',
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT '{}',
        session_id TEXT NOT NULL DEFAULT '',
        connected INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 2,
    sql: `
      ALTER TABLE tasks ADD COLUMN authenticated TEXT NOT NULL DEFAULT '';
      ALTER TABLE tasks ADD COLUMN dedup_hash TEXT;
      CREATE INDEX tasks_by_request_uuid ON tasks (authenticated, request_uuid, created_ms)
        WHERE request_uuid != '';
      CREATE INDEX tasks_by_dedup_hash ON tasks (dedup_hash, completed_ms)
        WHERE dedup_hash IS NOT NULL;
      CREATE TABLE task_tags (
        tag TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        task_id TEXT NOT NULL,
        PRIMARY KEY (tag, created_ms, task_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Fleet admin: a task's pool (visibility per pool), tasks by bot, admin state of bots, events.
    version: 3,
    sql: `
      ALTER TABLE tasks ADD COLUMN pool TEXT NOT NULL DEFAULT '';
      CREATE INDEX tasks_by_pool ON tasks (pool, created_ms);
      CREATE INDEX tasks_by_bot ON tasks (bot_id, created_ms) WHERE bot_id IS NOT NULL;
      ALTER TABLE bots ADD COLUMN admin_quarantined_reason TEXT NOT NULL DEFAULT '';
      ALTER TABLE bots ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE bots ADD COLUMN maintenance_msg TEXT NOT NULL DEFAULT '';
      CREATE TABLE bot_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        bot_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        task_id TEXT NOT NULL DEFAULT '',
        dimensions TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX bot_events_by_bot ON bot_events (bot_id, ts_ms, seq);
      CREATE INDEX bot_events_by_ts ON bot_events (ts_ms, seq);
    `,
    backfill: (db) => {
      const update = db.prepare('UPDATE tasks SET pool = ? WHERE id = ?');
      const rows = db.prepare<[], { id: string; spec: string }>('SELECT id, spec FROM tasks');
      const pools: Array<[string, string]> = [];
      for (const row of rows.iterate()) {
        const pool = taskPoolOf(JSON.parse(row.spec) as TaskSpec);
        if (pool !== '') pools.push([pool, row.id]);
      }
      for (const [pool, id] of pools) update.run(pool, id);
    },
  },
  {
    // The workflow graph (DESIGN.md §5): quests, attempts, executions, dependency edges. Each
    // attempt and execution row keeps the whole entity as JSON (`body`) beside the columns that
    // conditional writes and lookups use.
    version: 4,
    sql: `
      CREATE TABLE graph_quests (
        id TEXT PRIMARY KEY,
        desc TEXT NOT NULL,
        created_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE graph_attempts (
        quest TEXT NOT NULL,
        num INTEGER NOT NULL,
        state TEXT NOT NULL,
        num_executions INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (quest, num)
      ) WITHOUT ROWID;
      CREATE INDEX graph_attempts_by_state ON graph_attempts (state, created_ms);
      CREATE TABLE graph_executions (
        quest TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        num INTEGER NOT NULL,
        state TEXT NOT NULL,
        task_id TEXT,
        body TEXT NOT NULL,
        PRIMARY KEY (quest, attempt, num)
      ) WITHOUT ROWID;
      CREATE INDEX graph_executions_by_task ON graph_executions (task_id)
        WHERE task_id IS NOT NULL;
      CREATE INDEX graph_executions_active ON graph_executions (state)
        WHERE state NOT IN ('FINISHED', 'ABNORMAL_FINISHED');
      CREATE TABLE graph_edges (
        from_quest TEXT NOT NULL,
        from_attempt INTEGER NOT NULL,
        to_quest TEXT NOT NULL,
        to_attempt INTEGER NOT NULL,
        PRIMARY KEY (from_quest, from_attempt, to_quest, to_attempt)
      ) WITHOUT ROWID;
      CREATE INDEX graph_edges_back ON graph_edges (to_quest, to_attempt);
    `,
  },
  {
    // Output files: what a task left in DROVER_OUTDIR, recorded with its final state
    // as JSON {files: [{path, size, digest}], truncated}; NULL when none.
    version: 5,
    sql: `ALTER TABLE tasks ADD COLUMN outputs TEXT;`,
  },
  {
    // Task webhook notifications: kept until delivered or given up, so that a restart
    // loses none; one per (task, state); seq orders a task's notifications.
    version: 6,
    sql: `
      CREATE TABLE webhook_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL,
        state TEXT NOT NULL,
        url TEXT NOT NULL,
        body TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'waiting',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        claimed_until_ms INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        settled_ms INTEGER NOT NULL DEFAULT 0,
        UNIQUE (task_id, state)
      );
      CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (next_attempt_ms, seq)
        WHERE status = 'waiting';
      CREATE INDEX webhook_deliveries_task ON webhook_deliveries (task_id, seq)
        WHERE status = 'waiting';
      CREATE INDEX webhook_deliveries_settled ON webhook_deliveries (settled_ms)
        WHERE status != 'waiting';
    `,
  },
  {
    // ListTasks sorted by started or completed time: each page an index range. Partial,
    // as those sorts list only tasks that have the time.
    version: 7,
    sql: `
      CREATE INDEX tasks_by_started ON tasks (started_ms, id) WHERE started_ms IS NOT NULL;
      CREATE INDEX tasks_by_completed ON tasks (completed_ms, id) WHERE completed_ms IS NOT NULL;
    `,
  },
  {
    // A revision per task: updateTask writes only over the revision its successor came from. The
    // RUNNING tasks of a bot (listRunningTasksOf) are an index range.
    version: 8,
    sql: `
      ALTER TABLE tasks ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX tasks_running_by_bot ON tasks (bot_id, created_ms, id) WHERE state = 'RUNNING';
    `,
  },
  {
    // Pipelines (issue 25): a quest's display name (not part of its id), and the pipeline runs,
    // each recorded with its attempts: pools and steps as JSON text; listed newest first,
    // by name (getRunByName, a glob) or not.
    version: 9,
    sql: `
      ALTER TABLE graph_quests ADD COLUMN name TEXT NOT NULL DEFAULT '';
      CREATE TABLE graph_runs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        user_name TEXT NOT NULL,
        pools TEXT NOT NULL,
        steps TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX graph_runs_by_name ON graph_runs (name, created_ms, id);
      CREATE INDEX graph_runs_by_created ON graph_runs (created_ms, id);
    `,
  },
  {
    // Content-addressed storage (issue 26): the blobs held (created and last touched, for the
    // blob GC), who uploaded each, and the tasks referencing them (input tree and files, output
    // files; with the task's pool, for Download access), deleted with their task.
    version: 10,
    sql: `
      CREATE TABLE cas_blobs (
        hash TEXT PRIMARY KEY,
        size_bytes INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        touched_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX cas_blobs_by_touched ON cas_blobs (touched_ms);
      CREATE TABLE cas_uploads (
        hash TEXT NOT NULL,
        uploader TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (hash, uploader)
      ) WITHOUT ROWID;
      CREATE TABLE cas_refs (
        hash TEXT NOT NULL,
        task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        pool TEXT NOT NULL,
        PRIMARY KEY (hash, task_id)
      ) WITHOUT ROWID;
      CREATE INDEX cas_refs_by_task ON cas_refs (task_id);
    `,
  },
  {
    // Secret bytes (issue 26): sealed by the coordinator (AES-256-GCM), apart from the request,
    // one row per task that has them; deleted with the task row.
    version: 11,
    sql: `
      CREATE TABLE task_secrets (
        task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
        ciphertext BLOB NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    // Retention (issue 26): final tasks by pool and end (a final task's modified_ms is when it
    // became final) so that purgeTasks reads the due ones as index ranges; tasks by the task
    // they were deduplicated from (a source stays while a copy remains); a lease table (one
    // coordinator purges at a time); then the file switches to incremental auto-vacuum (after).
    version: 12,
    sql: `
      CREATE INDEX tasks_final_by_pool_end ON tasks (pool, modified_ms)
        WHERE state NOT IN ('PENDING', 'RUNNING');
      CREATE INDEX tasks_by_deduped_from ON tasks (deduped_from) WHERE deduped_from IS NOT NULL;
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
    after: incrementalAutoVacuum,
  },
  {
    // What fetching a task's input tree cost its bot (TaskResult.inputs_fetch_duration and
    // inputs_fetched_bytes): JSON text {"durationSecs","bytes"}, NULL without a report.
    version: 13,
    sql: `ALTER TABLE tasks ADD COLUMN inputs_fetch TEXT;`,
  },
  {
    // Identity (issue 22): tokens (only their SHA-256 hashes), principals and bot groups managed
    // live through service Access; roles, scopes, bot id patterns and dimensions as JSON text;
    // times in ms, 0 for none. The audit log, newest first by id, read by time, by principal and
    // by pool (a pool admin's view). Who cancelled or killed a task ('' for nobody).
    version: 14,
    sql: `
      CREATE TABLE access_tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        scope TEXT NOT NULL DEFAULT '{}',
        created_ms INTEGER NOT NULL,
        created_by TEXT NOT NULL DEFAULT '',
        expires_ms INTEGER NOT NULL DEFAULT 0,
        revoked_ms INTEGER NOT NULL DEFAULT 0,
        revoked_by TEXT NOT NULL DEFAULT '',
        last_used_ms INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE INDEX access_tokens_by_created ON access_tokens (created_ms, id);
      CREATE INDEX access_tokens_by_subject ON access_tokens (kind, subject);
      CREATE TABLE access_principals (
        name TEXT PRIMARY KEY,
        admin INTEGER NOT NULL DEFAULT 0,
        roles TEXT NOT NULL DEFAULT '{}',
        description TEXT NOT NULL DEFAULT '',
        updated_ms INTEGER NOT NULL,
        updated_by TEXT NOT NULL DEFAULT ''
      ) WITHOUT ROWID;
      CREATE TABLE access_bot_groups (
        name TEXT PRIMARY KEY,
        bot_ids TEXT NOT NULL DEFAULT '[]',
        dimensions TEXT NOT NULL DEFAULT '{}',
        description TEXT NOT NULL DEFAULT '',
        updated_ms INTEGER NOT NULL,
        updated_by TEXT NOT NULL DEFAULT ''
      ) WITHOUT ROWID;
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time_ms INTEGER NOT NULL,
        principal TEXT NOT NULL,
        peer TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL DEFAULT '',
        pool TEXT NOT NULL DEFAULT ''
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
    version: 15,
    sql: `
      CREATE INDEX graph_quests_by_created ON graph_quests (created_ms, id);
      CREATE TABLE fleet_samples (
        range TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        pools TEXT NOT NULL,
        PRIMARY KEY (range, at_ms)
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * Brings the file to the newest version this code knows, one transaction per migration; refuses a
 * file written by a newer schema before changing anything.
 */
export function migrate(db: Database.Database): void {
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
  for (const m of SQLITE_MIGRATIONS) m.after?.(db);
}

/**
 * Retention (migration 12): the file in incremental auto-vacuum, so that the pages purged tasks
 * leave can be given back to the file system (PRAGMA incremental_vacuum, after each purge round)
 * instead of the file keeping its largest size forever. A new file takes the mode at once (no
 * table yet, see openSqliteStore); an existing one needs a VACUUM: it rewrites the whole file
 * once, which for a large store takes a while (minutes for gigabytes) at the first start.
 */
function incrementalAutoVacuum(db: Database.Database): void {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return;
  db.pragma('auto_vacuum = INCREMENTAL');
  db.exec('VACUUM');
}
