// Original file: proto/drover/v1/graph.proto

import type { ExecutionId as _drover_v1_ExecutionId, ExecutionId__Output as _drover_v1_ExecutionId__Output } from '../../drover/v1/ExecutionId';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { AbnormalFinish as _drover_v1_AbnormalFinish, AbnormalFinish__Output as _drover_v1_AbnormalFinish__Output } from '../../drover/v1/AbnormalFinish';

export interface _drover_v1_Execution_Data {
  'created'?: (_google_protobuf_Timestamp | null);
  'modified'?: (_google_protobuf_Timestamp | null);
  'state'?: (_drover_v1_Execution_State);
  'task_id'?: (string);
  'abnormal_finish'?: (_drover_v1_AbnormalFinish | null);
}

export interface _drover_v1_Execution_Data__Output {
  'created': (_google_protobuf_Timestamp__Output | null);
  'modified': (_google_protobuf_Timestamp__Output | null);
  'state': (_drover_v1_Execution_State__Output);
  'task_id': (string);
  'abnormal_finish': (_drover_v1_AbnormalFinish__Output | null);
}

// Original file: proto/drover/v1/graph.proto

export const _drover_v1_Execution_State = {
  SCHEDULING: 'SCHEDULING',
  RUNNING: 'RUNNING',
  STOPPING: 'STOPPING',
  FINISHED: 'FINISHED',
  ABNORMAL_FINISHED: 'ABNORMAL_FINISHED',
} as const;

export type _drover_v1_Execution_State =
  | 'SCHEDULING'
  | 0
  | 'RUNNING'
  | 1
  | 'STOPPING'
  | 2
  | 'FINISHED'
  | 3
  | 'ABNORMAL_FINISHED'
  | 4

export type _drover_v1_Execution_State__Output = typeof _drover_v1_Execution_State[keyof typeof _drover_v1_Execution_State]

export interface Execution {
  'id'?: (_drover_v1_ExecutionId | null);
  'data'?: (_drover_v1_Execution_Data | null);
  'partial'?: (boolean);
}

export interface Execution__Output {
  'id': (_drover_v1_ExecutionId__Output | null);
  'data': (_drover_v1_Execution_Data__Output | null);
  'partial': (boolean);
}
