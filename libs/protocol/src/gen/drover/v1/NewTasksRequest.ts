// Original file: proto/drover/v1/tasks.proto

import type { NewTaskRequest as _drover_v1_NewTaskRequest, NewTaskRequest__Output as _drover_v1_NewTaskRequest__Output } from '../../drover/v1/NewTaskRequest';

/**
 * At most 1048576 bytes (1 MiB) in all (docs/limits.md); each request has NewTaskRequest's
 * field limits.
 */
export interface NewTasksRequest {
  /**
   * 1 to 1000 tasks.
   */
  'requests'?: (_drover_v1_NewTaskRequest)[];
}

/**
 * At most 1048576 bytes (1 MiB) in all (docs/limits.md); each request has NewTaskRequest's
 * field limits.
 */
export interface NewTasksRequest__Output {
  /**
   * 1 to 1000 tasks.
   */
  'requests': (_drover_v1_NewTaskRequest__Output)[];
}
