import { ConfigError } from '../config-file';

/** How long final tasks are kept (issue 26): by default, and per pool. */
export interface RetentionConfig {
  /** Final tasks are deleted this long after they ended; undefined = kept forever. */
  readonly defaultMs: number | undefined;
  /** Per pool ('' = tasks without a pool dimension), replacing defaultMs. */
  readonly pools: Readonly<Record<string, number | undefined>>;
}

export const DEFAULT_TASK_RETENTION = '90d';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A duration: `90d`, `12h`, `30m`, `45s` (a number and one unit), or 0 (= forever: returns
 * undefined). A bare number in the config file is seconds.
 */
export function parseRetention(name: string, value: string | number): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${name}: must be a duration like 90d, 12h or 30m, or 0, got ${value}`);
    }
    return value === 0 ? undefined : value * 1000;
  }
  const text = value.trim();
  if (/^0+$/.test(text)) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text);
  if (m === null || Number(m[1]) <= 0) {
    throw new ConfigError(
      `${name}: must be a duration like 90d, 12h or 30m (units s, m, h, d), or 0 to keep forever, got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/** task-retention and task-retention-pools (a mapping of pool names to durations). */
export function compileRetention(
  retention: string | number | undefined,
  pools: unknown,
): RetentionConfig {
  const defaultMs = parseRetention('task-retention', retention ?? DEFAULT_TASK_RETENTION);
  const out: Record<string, number | undefined> = {};
  if (pools !== undefined && pools !== null) {
    if (typeof pools !== 'object' || Array.isArray(pools)) {
      throw new ConfigError(
        'task-retention-pools: must be a mapping of pool names to durations, e.g. {ci: 30d}',
      );
    }
    for (const [pool, value] of Object.entries(pools as Record<string, unknown>)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new ConfigError(
          `task-retention-pools.${pool}: must be a duration like 30d, or 0, got ${JSON.stringify(value)}`,
        );
      }
      out[pool] = parseRetention(`task-retention-pools.${pool}`, value);
    }
  }
  return Object.freeze({ defaultMs, pools: Object.freeze(out) });
}

/** The cutoffs at `nowMs`: what Store.purgeTasks takes. */
export function retentionCutoffs(
  config: RetentionConfig,
  nowMs: number,
): { beforeMs: number | undefined; pools: Record<string, number | undefined> } {
  const at = (ms: number | undefined) => (ms === undefined ? undefined : nowMs - ms);
  const pools: Record<string, number | undefined> = {};
  for (const [pool, ms] of Object.entries(config.pools)) pools[pool] = at(ms);
  return { beforeMs: at(config.defaultMs), pools };
}

/** Whether anything is ever purged under this config. */
export function retentionEnabled(config: RetentionConfig): boolean {
  return config.defaultMs !== undefined || Object.values(config.pools).some((v) => v !== undefined);
}
