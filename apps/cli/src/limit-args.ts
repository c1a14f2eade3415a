// `drover submit --memory-limit/--pids-limit/--cpu-weight`: per-task resource limits, checked
// against the ranges the coordinator enforces (validate-new-task.ts TASK_LIMITS), so a bad value
// is a usage error naming the flag and nothing is sent. Pure.
import { TASK_LIMITS } from '@drover/protocol';
import type { Parsed } from './args';

const KIB = 1024;

/**
 * Suffixes as the bot's config takes them (apps/bot byte-size.ts), case-insensitive, an optional
 * space before them: none or `B`; `K`, `KiB`, `M`, `MiB`, `G`, `GiB`, `T`, `TiB` (powers of
 * 1024); `KB`, `MB`, `GB`, `TB` (powers of 1000).
 */
const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: KIB,
  kib: KIB,
  m: KIB ** 2,
  mib: KIB ** 2,
  g: KIB ** 3,
  gib: KIB ** 3,
  t: KIB ** 4,
  tib: KIB ** 4,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Bytes for a size as people write it (`512MiB`, `1.5G`, `1048576`); fractions round down. */
export function parseByteSize(text: string): Parsed<number> {
  const m = SIZE.exec(text.trim());
  const unit = m === null ? undefined : UNITS[(m[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined)
    return { ok: false, message: 'expected a size: bytes, or with KiB, MiB, GiB, TiB (512MiB)' };
  const bytes = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes)
    ? { ok: true, value: bytes }
    : { ok: false, message: 'too large' };
}

/** `--memory-limit <size>`: 1 MiB to 1 TiB. */
export function parseMemoryLimit(text: string): Parsed<number> {
  const size = parseByteSize(text);
  if (!size.ok) return size;
  const { minMemoryLimitBytes: min, maxMemoryLimitBytes: max } = TASK_LIMITS;
  return size.value < min || size.value > max
    ? { ok: false, message: `must be 1MiB to 1TiB (${min} to ${max} bytes), got ${size.value}` }
    : size;
}

function wholeNumberIn(text: string, min: number, max: number): Parsed<number> {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    return { ok: false, message: `expected a whole number from ${min} to ${max}` };
  return { ok: true, value: Number(text) };
}

/** `--pids-limit <n>`: processes and threads of the task at once, 1 to 65536. */
export function parsePidsLimit(text: string): Parsed<number> {
  return wholeNumberIn(text, TASK_LIMITS.minPidsLimit, TASK_LIMITS.maxPidsLimit);
}

/** `--cpu-weight <n>`: the task's CPU share, 1 to 10000 (the default share is 100). */
export function parseCpuWeight(text: string): Parsed<number> {
  return wholeNumberIn(text, TASK_LIMITS.minCpuWeight, TASK_LIMITS.maxCpuWeight);
}
