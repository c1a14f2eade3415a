// The PostgreSQL a benchmark with `--store postgres` runs on: DROVER_TEST_PG_URL, as the tests.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function pgUrl(): string {
  return process.env['DROVER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** The bench talks to 127.0.0.1 only: refuses a URL naming another host. */
export function checkLoopback(url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error(`DROVER_TEST_PG_URL: not a valid URL`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]', ''].includes(host)) {
    throw new Error(`DROVER_TEST_PG_URL: the bench runs on 127.0.0.1 only, not on ${host}`);
  }
}

/** Why no PostgreSQL answers at `url` (within 2 s), or undefined when one does. */
export async function pgUnreachable(url: string): Promise<string | undefined> {
  try {
    checkLoopback(url);
  } catch (err) {
    return (err as Error).message;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message || err.name : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name no other run uses; the first coordinator creates it (its migration). */
export function freshSchemaName(): string {
  return `drover_bench_${randomBytes(6).toString('hex')}`;
}

/**
 * Drops the schema and everything in it. Run after the coordinators are gone: a lock they still
 * held would make it wait (at most 30 s, then it fails and says so).
 */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^drover_bench_[0-9a-f]+$/.test(schema)) throw new Error(`not a bench schema: ${schema}`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`SET lock_timeout = '30s'`);
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
