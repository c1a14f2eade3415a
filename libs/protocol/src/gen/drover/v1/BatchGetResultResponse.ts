// Original file: proto/drover/v1/tasks.proto

import type { TaskResult as _drover_v1_TaskResult, TaskResult__Output as _drover_v1_TaskResult__Output } from '../../drover/v1/TaskResult';

export interface _drover_v1_BatchGetResultResponse_Item {
  'task_id'?: (string);
  'result'?: (_drover_v1_TaskResult | null);
  'error'?: (string);
  'outcome'?: "result"|"error";
}

export interface _drover_v1_BatchGetResultResponse_Item__Output {
  'task_id': (string);
  'result'?: (_drover_v1_TaskResult__Output | null);
  'error'?: (string);
  'outcome'?: "result"|"error";
}

export interface BatchGetResultResponse {
  'items'?: (_drover_v1_BatchGetResultResponse_Item)[];
}

export interface BatchGetResultResponse__Output {
  'items': (_drover_v1_BatchGetResultResponse_Item__Output)[];
}
