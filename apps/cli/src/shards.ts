// `--shards N`: one request made into N, as gtest sharding (and Swarming's) expects them: the same
// work, each told its index and the count through the environment, all tagged with one group so
// that `drover collect --shard-group G` can find them again.
import { createHash, randomBytes } from 'node:crypto';
import type { NewTaskRequest, TaskResultOut } from '@drover/client';
import type { Parsed } from './args';

/** The most shards one submission may ask for. */
export const MAX_SHARDS = 1000;

export const SHARD_TAG = {
  index: 'shard_index',
  count: 'shard_count',
  group: 'shard_group',
} as const;

/** `--shards N`: a whole number 1..MAX_SHARDS. */
export function parseShards(text: string): Parsed<number> {
  if (!/^\d+$/.test(text)) return { ok: false, message: `expected a whole number 1-${MAX_SHARDS}` };
  const count = Number(text);
  return count >= 1 && count <= MAX_SHARDS
    ? { ok: true, value: count }
    : { ok: false, message: `must be between 1 and ${MAX_SHARDS}, got ${text}` };
}

/**
 * The shard group id: 16 random hex digits, or, with `--request-uuid`, 16 derived from it, so that
 * a retried submission (which gets the same tasks back) names the same group.
 */
export function shardGroupId(requestUuid: string | undefined): string {
  if (requestUuid === undefined) return randomBytes(8).toString('hex');
  return createHash('sha256').update(`shard_group:${requestUuid}`).digest('hex').slice(0, 16);
}

/**
 * N copies of `request`, shard i with GTEST_SHARD_INDEX=i, GTEST_TOTAL_SHARDS=N,
 * DROVER_SHARD_INDEX=i, DROVER_SHARD_COUNT=N in every slice (replacing any `--env` of the same
 * name: the shard's own must win), tags `shard_index:i`, `shard_count:N`, `shard_group:<group>`,
 * and, with a request uuid, `<uuid>/<i>` as each one's (the server dedupes per uuid).
 */
export function shardRequests(
  request: NewTaskRequest,
  count: number,
  group: string,
): NewTaskRequest[] {
  return Array.from({ length: count }, (_, index) => {
    const vars = [
      { key: 'GTEST_SHARD_INDEX', value: String(index) },
      { key: 'GTEST_TOTAL_SHARDS', value: String(count) },
      { key: 'DROVER_SHARD_INDEX', value: String(index) },
      { key: 'DROVER_SHARD_COUNT', value: String(count) },
    ];
    const names = new Set(vars.map((v) => v.key));
    const shard: NewTaskRequest = {
      ...request,
      tags: [
        ...(request.tags ?? []),
        `${SHARD_TAG.index}:${index}`,
        `${SHARD_TAG.count}:${count}`,
        `${SHARD_TAG.group}:${group}`,
      ],
      task_slices: (request.task_slices ?? []).map((slice) => ({
        ...slice,
        properties: {
          ...slice.properties,
          env: [...(slice.properties?.env ?? []).filter((e) => !names.has(e.key ?? '')), ...vars],
        },
      })),
    };
    if (request.request_uuid !== undefined && request.request_uuid !== '')
      shard.request_uuid = `${request.request_uuid}/${index}`;
    return shard;
  });
}

/** The value of tag `key` on a result, if it has one. */
export function tagValue(result: Pick<TaskResultOut, 'tags'>, key: string): string | undefined {
  const prefix = `${key}:`;
  return result.tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}

/** A shard's index from its tags; undefined for a task that is no shard. */
export function shardIndex(result: Pick<TaskResultOut, 'tags'>): number | undefined {
  const text = tagValue(result, SHARD_TAG.index);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Results in shard order (by index); tasks without one after them, as given. */
export function byShardIndex<T extends Pick<TaskResultOut, 'tags'>>(results: readonly T[]): T[] {
  const key = (r: T): number => shardIndex(r) ?? Number.MAX_SAFE_INTEGER;
  return results
    .map((result, i) => ({ result, i }))
    .sort((a, b) => key(a.result) - key(b.result) || a.i - b.i)
    .map(({ result }) => result);
}
