// Original file: proto/drover/v1/tasks.proto

import type { TaskSlice as _drover_v1_TaskSlice, TaskSlice__Output as _drover_v1_TaskSlice__Output } from '../../drover/v1/TaskSlice';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TaskNotify as _drover_v1_TaskNotify, TaskNotify__Output as _drover_v1_TaskNotify__Output } from '../../drover/v1/TaskNotify';

export interface TaskRequest {
  'task_id'?: (string);
  'name'?: (string);
  'priority'?: (number);
  'tags'?: (string)[];
  'user'?: (string);
  'request_uuid'?: (string);
  'task_slices'?: (_drover_v1_TaskSlice)[];
  'created_ts'?: (_google_protobuf_Timestamp | null);
  'authenticated'?: (string);
  'parent_task_id'?: (string);
  'notify'?: (_drover_v1_TaskNotify | null);
  /**
   * The request carried secret_bytes (never returned).
   */
  'has_secret_bytes'?: (boolean);
}

export interface TaskRequest__Output {
  'task_id': (string);
  'name': (string);
  'priority': (number);
  'tags': (string)[];
  'user': (string);
  'request_uuid': (string);
  'task_slices': (_drover_v1_TaskSlice__Output)[];
  'created_ts': (_google_protobuf_Timestamp__Output | null);
  'authenticated': (string);
  'parent_task_id': (string);
  'notify': (_drover_v1_TaskNotify__Output | null);
  /**
   * The request carried secret_bytes (never returned).
   */
  'has_secret_bytes': (boolean);
}
