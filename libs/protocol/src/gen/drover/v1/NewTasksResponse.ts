// Original file: proto/drover/v1/tasks.proto

import type { NewTaskResponse as _drover_v1_NewTaskResponse, NewTaskResponse__Output as _drover_v1_NewTaskResponse__Output } from '../../drover/v1/NewTaskResponse';

export interface NewTasksResponse {
  /**
   * One per request, in the request's order.
   */
  'responses'?: (_drover_v1_NewTaskResponse)[];
}

export interface NewTasksResponse__Output {
  /**
   * One per request, in the request's order.
   */
  'responses': (_drover_v1_NewTaskResponse__Output)[];
}
