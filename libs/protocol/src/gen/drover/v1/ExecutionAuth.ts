// Original file: proto/drover/v1/graph.proto

import type { ExecutionId as _drover_v1_ExecutionId, ExecutionId__Output as _drover_v1_ExecutionId__Output } from '../../drover/v1/ExecutionId';

/**
 * Authenticates an execution calling the Graph service from inside its task. The task's
 * environment holds both parts (secret: never in the Tasks API or the logs):
 * DROVER_EXECUTION_ID = `<quest id>/<attempt>/<execution>` (the two numbers in decimal), and
 * DROVER_EXECUTION_TOKEN = the execution's activation token, 32 random bytes as base64url
 * (RFC 4648 §5, no padding).
 */
export interface ExecutionAuth {
  'id'?: (_drover_v1_ExecutionId | null);
  /**
   * In ActivateExecution: the activation token, the 32 bytes DROVER_EXECUTION_TOKEN decodes to
   * (not its base64url text). In every other call: the execution token given to
   * ActivateExecution (ActivateExecutionRequest.execution_token).
   */
  'token'?: (Buffer | Uint8Array | string);
}

/**
 * Authenticates an execution calling the Graph service from inside its task. The task's
 * environment holds both parts (secret: never in the Tasks API or the logs):
 * DROVER_EXECUTION_ID = `<quest id>/<attempt>/<execution>` (the two numbers in decimal), and
 * DROVER_EXECUTION_TOKEN = the execution's activation token, 32 random bytes as base64url
 * (RFC 4648 §5, no padding).
 */
export interface ExecutionAuth__Output {
  'id': (_drover_v1_ExecutionId__Output | null);
  /**
   * In ActivateExecution: the activation token, the 32 bytes DROVER_EXECUTION_TOKEN decodes to
   * (not its base64url text). In every other call: the execution token given to
   * ActivateExecution (ActivateExecutionRequest.execution_token).
   */
  'token': (Buffer);
}
