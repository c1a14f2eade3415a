// Original file: proto/drover/v1/graph.proto

import type { ExecutionAuth as _drover_v1_ExecutionAuth, ExecutionAuth__Output as _drover_v1_ExecutionAuth__Output } from '../../drover/v1/ExecutionAuth';

export interface ActivateExecutionRequest {
  'auth'?: (_drover_v1_ExecutionAuth | null);
  /**
   * The execution's own token, at least 32 bytes.
   */
  'execution_token'?: (Buffer | Uint8Array | string);
}

export interface ActivateExecutionRequest__Output {
  'auth': (_drover_v1_ExecutionAuth__Output | null);
  /**
   * The execution's own token, at least 32 bytes.
   */
  'execution_token': (Buffer);
}
