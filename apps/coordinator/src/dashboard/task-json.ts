import { toJson } from '@bufbuild/protobuf';
import { timestampFromMs, TimestampSchema } from '@bufbuild/protobuf/wkt';
import { canonicalJson, taskToResult, type JsonObject } from '@drover/protocol';
import type { Task } from '@drover/state';

/**
 * A task as the dashboard shows it, in lists, on its page and in live updates: the TaskResult
 * GetResult answers, in canonical JSON (docs/json.md). The page reads its pool from the `pool:`
 * tag every task gets at submit.
 */
export function taskResultJson(task: Task): JsonObject {
  return canonicalJson('TaskResult', taskToResult(task));
}

/** A time in ms as canonical JSON writes a google.protobuf.Timestamp (RFC 3339, UTC). */
export function timestampJson(ms: number): string {
  return toJson(TimestampSchema, timestampFromMs(ms)) as string;
}

/** A deduplicated task shows the output of the task it was deduplicated from. */
export function outputOwner(task: Task): string {
  return task.dedupedFrom ?? task.id;
}
