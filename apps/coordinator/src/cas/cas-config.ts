import { ConfigError } from '../config-file';

/** --cas-max-blob-bytes by default: 4 GiB. */
export const DEFAULT_CAS_MAX_BLOB_BYTES = 4 * 1024 ** 3;

/** --cas-retention by default: 7 days, the dedup window. */
export const DEFAULT_CAS_RETENTION_MS = 7 * 24 * 3600 * 1000;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration setting: a number of seconds (config file, or digits alone), or digits with a unit
 * `s`, `m`, `h` or `d` (`7d`, `12h`); 0 = off. In milliseconds.
 */
export function durationMs(
  name: string,
  value: string | number | undefined,
  fallbackMs: number,
): number {
  if (value === undefined) return fallbackMs;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${name}: must be a duration ≥ 0 (7d, 12h, 30m, 45s), got ${value}`);
    }
    return value * 1000;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(value);
  if (m === null) {
    throw new ConfigError(
      `${name}: must be a duration like 7d, 12h, 30m or 45s (0 = off), got ${JSON.stringify(value)}`,
    );
  }
  return Number(m[1]) * (UNIT_MS[m[2] === '' ? 's' : m[2]!] ?? 1000);
}
