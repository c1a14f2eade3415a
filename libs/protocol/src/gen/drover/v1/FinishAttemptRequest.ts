// Original file: proto/drover/v1/graph.proto

import type { ExecutionAuth as _drover_v1_ExecutionAuth, ExecutionAuth__Output as _drover_v1_ExecutionAuth__Output } from '../../drover/v1/ExecutionAuth';
import type { JsonResult as _drover_v1_JsonResult, JsonResult__Output as _drover_v1_JsonResult__Output } from '../../drover/v1/JsonResult';

export interface FinishAttemptRequest {
  'auth'?: (_drover_v1_ExecutionAuth | null);
  'data'?: (_drover_v1_JsonResult | null);
}

export interface FinishAttemptRequest__Output {
  'auth': (_drover_v1_ExecutionAuth__Output | null);
  'data': (_drover_v1_JsonResult__Output | null);
}
