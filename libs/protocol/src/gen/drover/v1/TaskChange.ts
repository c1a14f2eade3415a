// Original file: proto/drover/v1/tasks.proto

import type { TaskState as _drover_v1_TaskState, TaskState__Output as _drover_v1_TaskState__Output } from '../../drover/v1/TaskState';
import type { TaskResult as _drover_v1_TaskResult, TaskResult__Output as _drover_v1_TaskResult__Output } from '../../drover/v1/TaskResult';

/**
 * One committed state change of a task.
 */
export interface TaskChange {
  'task_id'?: (string);
  'state'?: (_drover_v1_TaskState);
  /**
   * INVALID for a task just created.
   */
  'previous_state'?: (_drover_v1_TaskState);
  /**
   * The task as it is after the change.
   */
  'result'?: (_drover_v1_TaskResult | null);
}

/**
 * One committed state change of a task.
 */
export interface TaskChange__Output {
  'task_id': (string);
  'state': (_drover_v1_TaskState__Output);
  /**
   * INVALID for a task just created.
   */
  'previous_state': (_drover_v1_TaskState__Output);
  /**
   * The task as it is after the change.
   */
  'result': (_drover_v1_TaskResult__Output | null);
}
