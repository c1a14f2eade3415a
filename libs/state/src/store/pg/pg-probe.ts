import pg from 'pg';
import { checkSchemaName } from './pg-migrations';

/** Whether a PostgreSQL server answers at `url` within `timeoutMs` (tests skip, benches too). */
export async function pgReachable(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops a schema and everything in it (throwaway schemas of tests and benchmarks). */
export async function dropPgSchema(url: string, schema: string): Promise<void> {
  checkSchemaName(schema);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
