import type { Pool, PoolClient } from 'pg';

/** What a query runs on: the pool (one statement, autocommit) or a transaction's client. */
export type Queryable = Pool | PoolClient;

/** serialization_failure and deadlock_detected: the whole transaction may simply run again. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** How often a transaction runs in all before its retryable error is thrown. */
export const MAX_TX_ATTEMPTS = 5;

/**
 * Runs `fn` in one READ COMMITTED transaction on a client of its own, committing what it did.
 * Rows it will change must be read with SELECT … FOR UPDATE. On a serialization failure or a
 * deadlock the whole transaction runs again (up to MAX_TX_ATTEMPTS), so `fn` must derive
 * everything from what it reads inside and have no side effect outside the database.
 */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = await rollback(client);
      if (attempt < MAX_TX_ATTEMPTS && isRetryable(err)) continue;
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** Undefined when the rollback worked; else the error, so that the pool drops the client. */
async function rollback(client: PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export function isRetryable(err: unknown): boolean {
  return RETRYABLE_CODES.has(pgCode(err) ?? '');
}

/** The SQLSTATE of a server error, if it is one. */
export function pgCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Advisory lock namespaces (the first key of the two-key pg_advisory_xact_lock): advisory locks
 * are per database, so each use has its own space; the second key is hashtext() of a name.
 */
export const LOCK_SPACE = {
  migrate: 0x64720001,
  requestUuid: 0x64720002,
  edges: 0x64720003,
} as const;
