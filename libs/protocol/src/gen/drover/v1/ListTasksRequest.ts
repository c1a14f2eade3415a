// Original file: proto/drover/v1/tasks.proto

import type { StateQuery as _drover_v1_StateQuery, StateQuery__Output as _drover_v1_StateQuery__Output } from '../../drover/v1/StateQuery';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

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
}
