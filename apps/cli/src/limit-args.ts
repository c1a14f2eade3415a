// `drover submit --memory-limit/--pids-limit/--cpu-weight/--bot-ping-tolerance`: per-task limits, checked
// against the ranges the coordinator enforces (validate-new-task.ts TASK_LIMITS), so a bad value
// is a usage error naming the flag and nothing is sent. Pure.
import { parseByteSize as parseSize, TASK_LIMITS } from '@drover/protocol';
import type { Parsed } from './args';

/**
 * Bytes for a size as people write it (`512MiB`, `1.5G`, `1048576`; the bot's config takes the
 * same: libs/protocol byte-size.ts); fractions round down.
 */
export function parseByteSize(text: string): Parsed<number> {
  const bytes = parseSize(text);
  return bytes === undefined
    ? { ok: false, message: 'expected a size: bytes, or with KiB, MiB, GiB, TiB (512MiB)' }
    : { ok: true, value: bytes };
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

/**
 * `--bot-ping-tolerance <secs>`: how long the task's bot may be silent before the task is
 * BOT_DIED, 30 to 1200 (absent: the coordinator's own, 60 by default).
 */
export function parseBotPingTolerance(text: string): Parsed<number> {
  return wholeNumberIn(
    text,
    TASK_LIMITS.minBotPingToleranceSecs,
    TASK_LIMITS.maxBotPingToleranceSecs,
  );
}
