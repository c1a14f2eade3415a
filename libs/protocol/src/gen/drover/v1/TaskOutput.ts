// Original file: proto/drover/v1/tasks.proto

import type { TaskState as _drover_v1_TaskState, TaskState__Output as _drover_v1_TaskState__Output } from '../../drover/v1/TaskState';
import type { Long } from '@grpc/proto-loader';

export interface TaskOutput {
  'offset'?: (number | string | Long);
  'output'?: (Buffer | Uint8Array | string);
  'state'?: (_drover_v1_TaskState);
  /**
   * Bytes stored so far.
   */
  'size'?: (number | string | Long);
}

export interface TaskOutput__Output {
  'offset': (number);
  'output': (Buffer);
  'state': (_drover_v1_TaskState__Output);
  /**
   * Bytes stored so far.
   */
  'size': (number);
}
