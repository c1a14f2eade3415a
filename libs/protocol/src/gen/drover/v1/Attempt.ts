// Original file: proto/drover/v1/graph.proto

import type { AttemptId as _drover_v1_AttemptId, AttemptId__Output as _drover_v1_AttemptId__Output } from '../../drover/v1/AttemptId';
import type { Execution as _drover_v1_Execution, Execution__Output as _drover_v1_Execution__Output } from '../../drover/v1/Execution';
import type { PartialFlags as _drover_v1_PartialFlags, PartialFlags__Output as _drover_v1_PartialFlags__Output } from '../../drover/v1/PartialFlags';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { JsonResult as _drover_v1_JsonResult, JsonResult__Output as _drover_v1_JsonResult__Output } from '../../drover/v1/JsonResult';
import type { AbnormalFinish as _drover_v1_AbnormalFinish, AbnormalFinish__Output as _drover_v1_AbnormalFinish__Output } from '../../drover/v1/AbnormalFinish';

export interface _drover_v1_Attempt_Data {
  'created'?: (_google_protobuf_Timestamp | null);
  'modified'?: (_google_protobuf_Timestamp | null);
  'state'?: (_drover_v1_Attempt_State);
  'num_executions'?: (number);
  'num_waiting_deps'?: (number);
  'result'?: (_drover_v1_JsonResult | null);
  'abnormal_finish'?: (_drover_v1_AbnormalFinish | null);
}

export interface _drover_v1_Attempt_Data__Output {
  'created': (_google_protobuf_Timestamp__Output | null);
  'modified': (_google_protobuf_Timestamp__Output | null);
  'state': (_drover_v1_Attempt_State__Output);
  'num_executions': (number);
  'num_waiting_deps': (number);
  'result': (_drover_v1_JsonResult__Output | null);
  'abnormal_finish': (_drover_v1_AbnormalFinish__Output | null);
}

// Original file: proto/drover/v1/graph.proto

export const _drover_v1_Attempt_State = {
  SCHEDULING: 'SCHEDULING',
  EXECUTING: 'EXECUTING',
  WAITING: 'WAITING',
  FINISHED: 'FINISHED',
  ABNORMAL_FINISHED: 'ABNORMAL_FINISHED',
} as const;

export type _drover_v1_Attempt_State =
  | 'SCHEDULING'
  | 0
  | 'EXECUTING'
  | 1
  | 'WAITING'
  | 2
  | 'FINISHED'
  | 3
  | 'ABNORMAL_FINISHED'
  | 4

export type _drover_v1_Attempt_State__Output = typeof _drover_v1_Attempt_State[keyof typeof _drover_v1_Attempt_State]

export interface Attempt {
  'id'?: (_drover_v1_AttemptId | null);
  'data'?: (_drover_v1_Attempt_Data | null);
  'executions'?: ({[key: number]: _drover_v1_Execution});
  'fwd_deps'?: (_drover_v1_AttemptId)[];
  'back_deps'?: (_drover_v1_AttemptId)[];
  'partial'?: (_drover_v1_PartialFlags | null);
}

export interface Attempt__Output {
  'id': (_drover_v1_AttemptId__Output | null);
  'data': (_drover_v1_Attempt_Data__Output | null);
  'executions': ({[key: number]: _drover_v1_Execution__Output});
  'fwd_deps': (_drover_v1_AttemptId__Output)[];
  'back_deps': (_drover_v1_AttemptId__Output)[];
  'partial': (_drover_v1_PartialFlags__Output | null);
}
