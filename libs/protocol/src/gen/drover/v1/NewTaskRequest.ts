// Original file: proto/drover/v1/tasks.proto

import type { TaskSlice as _drover_v1_TaskSlice, TaskSlice__Output as _drover_v1_TaskSlice__Output } from '../../drover/v1/TaskSlice';
import type { TaskProperties as _drover_v1_TaskProperties, TaskProperties__Output as _drover_v1_TaskProperties__Output } from '../../drover/v1/TaskProperties';
import type { TaskNotify as _drover_v1_TaskNotify, TaskNotify__Output as _drover_v1_TaskNotify__Output } from '../../drover/v1/TaskNotify';

/**
 * At most 262144 bytes in all (docs/limits.md); a field over its limit is INVALID_ARGUMENT
 * naming it.
 */
export interface NewTaskRequest {
  /**
   * At most 1024 characters.
   */
  'name'?: (string);
  /**
   * 1..255, lower runs first; default 200.
   */
  'priority'?: (number);
  /**
   * key:value, at most 256, each at most 1024 characters.
   */
  'tags'?: (string)[];
  /**
   * At most 256 characters; empty = the caller.
   */
  'user'?: (string);
  /**
   * The same caller and uuid within 7 days returns the existing task; at most 128 characters.
   */
  'request_uuid'?: (string);
  /**
   * 1 to 8 slices, tried in order.
   */
  'task_slices'?: (_drover_v1_TaskSlice)[];
  /**
   * Shorthand for one slice: used only when task_slices is empty.
   */
  'properties'?: (_drover_v1_TaskProperties | null);
  'expiration_secs'?: (number);
  /**
   * Set by the CLI when it runs inside another task. The parent must exist, be visible to the
   * caller and not be final; the child is tagged parent_task_id:<id> and is cancelled (killed when
   * running) when the parent reaches a final state.
   */
  'parent_task_id'?: (string);
  /**
   * A webhook told of every state change of the task.
   */
  'notify'?: (_drover_v1_TaskNotify | null);
  /**
   * Bytes only the task's process reads, at most 20480: never returned (GetRequest answers
   * has_secret_bytes), never logged, stored encrypted apart from the request; given to the bot
   * that runs the task, which writes them to a 0600 file named by DROVER_SECRET_BYTES_PATH in the
   * task's dir. A task with secret bytes is never deduplicated.
   */
  'secret_bytes'?: (Buffer | Uint8Array | string);
  '_priority'?: "priority";
  '_expiration_secs'?: "expiration_secs";
}

/**
 * At most 262144 bytes in all (docs/limits.md); a field over its limit is INVALID_ARGUMENT
 * naming it.
 */
export interface NewTaskRequest__Output {
  /**
   * At most 1024 characters.
   */
  'name': (string);
  /**
   * 1..255, lower runs first; default 200.
   */
  'priority'?: (number);
  /**
   * key:value, at most 256, each at most 1024 characters.
   */
  'tags': (string)[];
  /**
   * At most 256 characters; empty = the caller.
   */
  'user': (string);
  /**
   * The same caller and uuid within 7 days returns the existing task; at most 128 characters.
   */
  'request_uuid': (string);
  /**
   * 1 to 8 slices, tried in order.
   */
  'task_slices': (_drover_v1_TaskSlice__Output)[];
  /**
   * Shorthand for one slice: used only when task_slices is empty.
   */
  'properties': (_drover_v1_TaskProperties__Output | null);
  'expiration_secs'?: (number);
  /**
   * Set by the CLI when it runs inside another task. The parent must exist, be visible to the
   * caller and not be final; the child is tagged parent_task_id:<id> and is cancelled (killed when
   * running) when the parent reaches a final state.
   */
  'parent_task_id': (string);
  /**
   * A webhook told of every state change of the task.
   */
  'notify': (_drover_v1_TaskNotify__Output | null);
  /**
   * Bytes only the task's process reads, at most 20480: never returned (GetRequest answers
   * has_secret_bytes), never logged, stored encrypted apart from the request; given to the bot
   * that runs the task, which writes them to a 0600 file named by DROVER_SECRET_BYTES_PATH in the
   * task's dir. A task with secret bytes is never deduplicated.
   */
  'secret_bytes': (Buffer);
  '_priority'?: "priority";
  '_expiration_secs'?: "expiration_secs";
}
