// Original file: proto/drover/v1/tasks.proto

import type { TaskState as _drover_v1_TaskState, TaskState__Output as _drover_v1_TaskState__Output } from '../../drover/v1/TaskState';

export interface WatchTasksRequest {
  /**
   * key:value; a task must carry every one (AND). None: every task the caller may view.
   */
  'tags'?: (string)[];
  /**
   * Only changes into one of these states; none: every change.
   */
  'states'?: (_drover_v1_TaskState)[];
}

export interface WatchTasksRequest__Output {
  /**
   * key:value; a task must carry every one (AND). None: every task the caller may view.
   */
  'tags': (string)[];
  /**
   * Only changes into one of these states; none: every change.
   */
  'states': (_drover_v1_TaskState__Output)[];
}
