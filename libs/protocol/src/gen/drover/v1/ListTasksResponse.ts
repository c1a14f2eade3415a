// Original file: proto/drover/v1/tasks.proto

import type { TaskResult as _drover_v1_TaskResult, TaskResult__Output as _drover_v1_TaskResult__Output } from '../../drover/v1/TaskResult';

export interface ListTasksResponse {
  'items'?: (_drover_v1_TaskResult)[];
  'cursor'?: (string);
}

export interface ListTasksResponse__Output {
  'items': (_drover_v1_TaskResult__Output)[];
  'cursor': (string);
}
