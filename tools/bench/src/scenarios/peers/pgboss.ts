import PgBoss from 'pg-boss';

/** pg-boss 10 workers poll; this is the shortest interval it accepts (the default is 2 s). */
export const PGBOSS_POLL_SECONDS = 0.5;

/** A started pg-boss on `schema` (created by its own migration), cron scheduling off. */
export async function startPgBoss(
  url: string,
  schema: string,
  onError: (err: Error) => void,
): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, schema, schedule: false });
  boss.on('error', onError);
  await boss.start();
  return boss;
}
