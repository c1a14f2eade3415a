import { createHash } from 'node:crypto';
import type { TaskProperties } from './types';

/**
 * SHA-256 (hex) of a slice's properties in canonical form: keys in a fixed order, env and
 * dimensions sorted, so that the same work always hashes the same (DESIGN.md §2, dedup).
 */
export function propertiesHash(p: TaskProperties): string {
  const byKeyValue = (a: { key: string; value: string }, b: { key: string; value: string }) =>
    a.key === b.key ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.key < b.key ? -1 : 1;
  const canonical = {
    command: p.command,
    dimensions: [...p.dimensions].sort(byKeyValue).map((d) => [d.key, d.value]),
    env: [...p.env].sort(byKeyValue).map((e) => [e.key, e.value]),
    env_prefixes: [...p.envPrefixes]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((e) => [e.key, e.values]),
    execution_timeout_secs: p.executionTimeoutSecs,
    grace_period_secs: p.gracePeriodSecs,
    idempotent: p.idempotent,
    io_timeout_secs: p.ioTimeoutSecs,
    relative_cwd: p.relativeCwd,
    // Only when given, so that the hashes of tasks without caches stay what they were.
    ...(p.caches !== undefined && p.caches.length > 0
      ? {
          caches: [...p.caches]
            .sort((a, b) => (a.name < b.name ? -1 : 1))
            .map((c) => [c.name, c.path]),
        }
      : {}),
    // Likewise: different limits are different work (an OOM under one is no result for another).
    ...(p.memoryLimitBytes === undefined ? {} : { memory_limit_bytes: p.memoryLimitBytes }),
    ...(p.pidsLimit === undefined ? {} : { pids_limit: p.pidsLimit }),
    ...(p.cpuWeight === undefined ? {} : { cpu_weight: p.cpuWeight }),
    // Only when set, so the hashes of tasks without it hold.
    ...(p.botPingToleranceSecs === undefined
      ? {}
      : { bot_ping_tolerance_secs: p.botPingToleranceSecs }),
    // Inputs are part of the work: a task on other inputs is other work (dedup, idempotency).
    ...(p.casInputRoot === undefined
      ? {}
      : { cas_input_root: [p.casInputRoot.hash, p.casInputRoot.sizeBytes] }),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
