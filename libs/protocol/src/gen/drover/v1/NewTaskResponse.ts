// Original file: proto/drover/v1/tasks.proto

import type { TaskRequest as _drover_v1_TaskRequest, TaskRequest__Output as _drover_v1_TaskRequest__Output } from '../../drover/v1/TaskRequest';
import type { TaskResult as _drover_v1_TaskResult, TaskResult__Output as _drover_v1_TaskResult__Output } from '../../drover/v1/TaskResult';

export interface NewTaskResponse {
  'task_id'?: (string);
  'request'?: (_drover_v1_TaskRequest | null);
  'result'?: (_drover_v1_TaskResult | null);
}

export interface NewTaskResponse__Output {
  'task_id': (string);
  'request': (_drover_v1_TaskRequest__Output | null);
  'result': (_drover_v1_TaskResult__Output | null);
}
