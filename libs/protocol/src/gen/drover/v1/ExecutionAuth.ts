// Original file: proto/drover/v1/graph.proto

import type { ExecutionId as _drover_v1_ExecutionId, ExecutionId__Output as _drover_v1_ExecutionId__Output } from '../../drover/v1/ExecutionId';

/**
 * Authenticates an execution calling the Graph service from inside its task.
 */
export interface ExecutionAuth {
  'id'?: (_drover_v1_ExecutionId | null);
  'token'?: (Buffer | Uint8Array | string);
}

/**
 * Authenticates an execution calling the Graph service from inside its task.
 */
export interface ExecutionAuth__Output {
  'id': (_drover_v1_ExecutionId__Output | null);
  'token': (Buffer);
}
