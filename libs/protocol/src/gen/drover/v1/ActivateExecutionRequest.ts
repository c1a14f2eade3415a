// Original file: proto/drover/v1/graph.proto

import type { ExecutionAuth as _drover_v1_ExecutionAuth, ExecutionAuth__Output as _drover_v1_ExecutionAuth__Output } from '../../drover/v1/ExecutionAuth';

export interface ActivateExecutionRequest {
  'auth'?: (_drover_v1_ExecutionAuth | null);
  /**
   * The execution's own token, at least 32 bytes, chosen by the execution; the coordinator keeps
   * only its SHA-256. Activating again with the same token succeeds, with another one fails.
   * The `drover graph` commands derive it, so that every command (and any client doing the
   * same, in any language) of one payload authenticates as the same execution without sharing
   * state: SHA-256 of the 22 ASCII bytes `drover-execution-token`, one zero byte (0x00), then
   * the 32 activation-token bytes (decoded from DROVER_EXECUTION_TOKEN) — 32 bytes.
   */
  'execution_token'?: (Buffer | Uint8Array | string);
}

export interface ActivateExecutionRequest__Output {
  'auth': (_drover_v1_ExecutionAuth__Output | null);
  /**
   * The execution's own token, at least 32 bytes, chosen by the execution; the coordinator keeps
   * only its SHA-256. Activating again with the same token succeeds, with another one fails.
   * The `drover graph` commands derive it, so that every command (and any client doing the
   * same, in any language) of one payload authenticates as the same execution without sharing
   * state: SHA-256 of the 22 ASCII bytes `drover-execution-token`, one zero byte (0x00), then
   * the 32 activation-token bytes (decoded from DROVER_EXECUTION_TOKEN) — 32 bytes.
   */
  'execution_token': (Buffer);
}
