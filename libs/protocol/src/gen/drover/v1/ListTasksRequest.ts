// Original file: proto/drover/v1/tasks.proto

import type { StateQuery as _drover_v1_StateQuery, StateQuery__Output as _drover_v1_StateQuery__Output } from '../../drover/v1/StateQuery';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TaskSort as _drover_v1_TaskSort, TaskSort__Output as _drover_v1_TaskSort__Output } from '../../drover/v1/TaskSort';

export interface ListTasksRequest {
  'state'?: (_drover_v1_StateQuery);
  /**
   * key:value, ANDed; at most 64, each at most 1024 characters.
   */
  'tags'?: (string)[];
  'start'?: (_google_protobuf_Timestamp | null);
  'end'?: (_google_protobuf_Timestamp | null);
  'limit'?: (number);
  'cursor'?: (string);
  /**
   * Only the children of this task.
   */
  'parent_task_id'?: (string);
  /**
   * Only tasks whose name matches this glob (`*` any run, `?` one character; the rest literal),
   * by their `name:` tag (tasks created before automatic tags have none); at most 1024 characters.
   */
  'name'?: (string);
  /**
   * Only tasks of this user (their `user:` tag); at most 1024 characters.
   */
  'user'?: (string);
  /**
   * Only tasks in this pool; at most 1024 characters.
   */
  'pool'?: (string);
  /**
   * Only tasks given to this bot (what it ran or runs); at most 1024 characters.
   */
  'bot_id'?: (string);
  /**
   * The time that orders the list (newest first), that start/end bound, and that a task must
   * have to be listed: CREATED (the default) all tasks, STARTED those that started, COMPLETED
   * those that completed. As Swarming's sort.
   */
  'sort'?: (_drover_v1_TaskSort);
}

export interface ListTasksRequest__Output {
  'state': (_drover_v1_StateQuery__Output);
  /**
   * key:value, ANDed; at most 64, each at most 1024 characters.
   */
  'tags': (string)[];
  'start': (_google_protobuf_Timestamp__Output | null);
  'end': (_google_protobuf_Timestamp__Output | null);
  'limit': (number);
  'cursor': (string);
  /**
   * Only the children of this task.
   */
  'parent_task_id': (string);
  /**
   * Only tasks whose name matches this glob (`*` any run, `?` one character; the rest literal),
   * by their `name:` tag (tasks created before automatic tags have none); at most 1024 characters.
   */
  'name': (string);
  /**
   * Only tasks of this user (their `user:` tag); at most 1024 characters.
   */
  'user': (string);
  /**
   * Only tasks in this pool; at most 1024 characters.
   */
  'pool': (string);
  /**
   * Only tasks given to this bot (what it ran or runs); at most 1024 characters.
   */
  'bot_id': (string);
  /**
   * The time that orders the list (newest first), that start/end bound, and that a task must
   * have to be listed: CREATED (the default) all tasks, STARTED those that started, COMPLETED
   * those that completed. As Swarming's sort.
   */
  'sort': (_drover_v1_TaskSort__Output);
}
