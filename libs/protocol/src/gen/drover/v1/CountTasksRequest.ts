// Original file: proto/drover/v1/tasks.proto

import type { StateQuery as _drover_v1_StateQuery, StateQuery__Output as _drover_v1_StateQuery__Output } from '../../drover/v1/StateQuery';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TaskSort as _drover_v1_TaskSort, TaskSort__Output as _drover_v1_TaskSort__Output } from '../../drover/v1/TaskSort';

export interface CountTasksRequest {
  'state'?: (_drover_v1_StateQuery);
  /**
   * key:value, ANDed; at most 64, each at most 1024 characters.
   */
  'tags'?: (string)[];
  'start'?: (_google_protobuf_Timestamp | null);
  'end'?: (_google_protobuf_Timestamp | null);
  /**
   * Only the children of this task.
   */
  'parent_task_id'?: (string);
  /**
   * As in ListTasksRequest.
   */
  'name'?: (string);
  'user'?: (string);
  'pool'?: (string);
  'bot_id'?: (string);
  /**
   * Which time start/end bound and a task must have (STARTED: started tasks only, ...).
   */
  'sort'?: (_drover_v1_TaskSort);
}

export interface CountTasksRequest__Output {
  'state': (_drover_v1_StateQuery__Output);
  /**
   * key:value, ANDed; at most 64, each at most 1024 characters.
   */
  'tags': (string)[];
  'start': (_google_protobuf_Timestamp__Output | null);
  'end': (_google_protobuf_Timestamp__Output | null);
  /**
   * Only the children of this task.
   */
  'parent_task_id': (string);
  /**
   * As in ListTasksRequest.
   */
  'name': (string);
  'user': (string);
  'pool': (string);
  'bot_id': (string);
  /**
   * Which time start/end bound and a task must have (STARTED: started tasks only, ...).
   */
  'sort': (_drover_v1_TaskSort__Output);
}
