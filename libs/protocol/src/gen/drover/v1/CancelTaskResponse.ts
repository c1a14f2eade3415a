// Original file: proto/drover/v1/tasks.proto

import type { TaskState as _drover_v1_TaskState, TaskState__Output as _drover_v1_TaskState__Output } from '../../drover/v1/TaskState';

export interface CancelTaskResponse {
  /**
   * The task was or will be cancelled by this call.
   */
  'canceled'?: (boolean);
  'was_running'?: (boolean);
  'state'?: (_drover_v1_TaskState);
}

export interface CancelTaskResponse__Output {
  /**
   * The task was or will be cancelled by this call.
   */
  'canceled': (boolean);
  'was_running': (boolean);
  'state': (_drover_v1_TaskState__Output);
}
