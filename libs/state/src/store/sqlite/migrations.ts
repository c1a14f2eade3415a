/** Versioned schema of the SQLite store. Append only: never edit a migration that shipped. */
export const SQLITE_MIGRATIONS: readonly { version: number; sql: string }[] = [
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
];
