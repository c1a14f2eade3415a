import { execFileSync } from 'node:child_process';

/** The local Redis every BullMQ side uses (127.0.0.1 only). */
export const REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** BullMQ's workers need `maxRetriesPerRequest: null` on their (blocking) connection. */
export const REDIS_CONNECTION = { ...REDIS, maxRetriesPerRequest: null } as const;

/** A queue name no other run uses (the run's keys are removed at the end). */
export function benchQueueName(what: string): string {
  return `drover-bench-${what}-${process.pid}-${Date.now().toString(36)}`;
}

/**
 * Redis's durability settings as the server reports them (`appendonly`, `save`), for the result
 * file: BullMQ's side of "same durability stated for both sides".
 */
export function redisDurability(redis: { host: string; port: number } = REDIS): string {
  try {
    const get = (key: string) =>
      execFileSync(
        'redis-cli',
        ['-h', redis.host, '-p', String(redis.port), 'config', 'get', key],
        {
          encoding: 'utf8',
          timeout: 5000,
        },
      )
        .trim()
        .split('\n')
        .slice(1)
        .join(' ');
    const save = get('save');
    const aof = get('appendonly');
    const fsync = aof === 'yes' ? `, appendfsync=${get('appendfsync')}` : '';
    return `appendonly=${aof}${fsync}, save="${save}"${save.trim() === '' && aof !== 'yes' ? ' (no RDB snapshots: nothing kept on disk)' : ''}`;
  } catch (err) {
    return `unknown (redis-cli: ${(err as Error).message.split('\n')[0]})`;
  }
}

/** The pid of the Redis server at `redis` (its `INFO server` process_id), or undefined. */
export function redisPid(redis: { host: string; port: number } = REDIS): number | undefined {
  try {
    const info = execFileSync(
      'redis-cli',
      ['-h', redis.host, '-p', String(redis.port), 'info', 'server'],
      { encoding: 'utf8', timeout: 5000 },
    );
    const m = /^process_id:(\d+)/m.exec(info);
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}
