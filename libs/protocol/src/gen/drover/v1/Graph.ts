// Original file: proto/drover/v1/graph.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ActivateExecutionRequest as _drover_v1_ActivateExecutionRequest, ActivateExecutionRequest__Output as _drover_v1_ActivateExecutionRequest__Output } from '../../drover/v1/ActivateExecutionRequest';
import type { ActivateExecutionResponse as _drover_v1_ActivateExecutionResponse, ActivateExecutionResponse__Output as _drover_v1_ActivateExecutionResponse__Output } from '../../drover/v1/ActivateExecutionResponse';
import type { EnsureGraphDataRequest as _drover_v1_EnsureGraphDataRequest, EnsureGraphDataRequest__Output as _drover_v1_EnsureGraphDataRequest__Output } from '../../drover/v1/EnsureGraphDataRequest';
import type { EnsureGraphDataResponse as _drover_v1_EnsureGraphDataResponse, EnsureGraphDataResponse__Output as _drover_v1_EnsureGraphDataResponse__Output } from '../../drover/v1/EnsureGraphDataResponse';
import type { FinishAttemptRequest as _drover_v1_FinishAttemptRequest, FinishAttemptRequest__Output as _drover_v1_FinishAttemptRequest__Output } from '../../drover/v1/FinishAttemptRequest';
import type { FinishAttemptResponse as _drover_v1_FinishAttemptResponse, FinishAttemptResponse__Output as _drover_v1_FinishAttemptResponse__Output } from '../../drover/v1/FinishAttemptResponse';
import type { GetRunRequest as _drover_v1_GetRunRequest, GetRunRequest__Output as _drover_v1_GetRunRequest__Output } from '../../drover/v1/GetRunRequest';
import type { GraphData as _drover_v1_GraphData, GraphData__Output as _drover_v1_GraphData__Output } from '../../drover/v1/GraphData';
import type { ListRunsRequest as _drover_v1_ListRunsRequest, ListRunsRequest__Output as _drover_v1_ListRunsRequest__Output } from '../../drover/v1/ListRunsRequest';
import type { ListRunsResponse as _drover_v1_ListRunsResponse, ListRunsResponse__Output as _drover_v1_ListRunsResponse__Output } from '../../drover/v1/ListRunsResponse';
import type { Run as _drover_v1_Run, Run__Output as _drover_v1_Run__Output } from '../../drover/v1/Run';
import type { WalkGraphRequest as _drover_v1_WalkGraphRequest, WalkGraphRequest__Output as _drover_v1_WalkGraphRequest__Output } from '../../drover/v1/WalkGraphRequest';

export interface GraphClient extends grpc.Client {
  /**
   * SCHEDULING -> RUNNING for an execution, swapping its activation token for the execution's
   * own token. Idempotent for the same token.
   */
  ActivateExecution(argument: _drover_v1_ActivateExecutionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  ActivateExecution(argument: _drover_v1_ActivateExecutionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  ActivateExecution(argument: _drover_v1_ActivateExecutionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  ActivateExecution(argument: _drover_v1_ActivateExecutionRequest, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  /**
   * SCHEDULING -> RUNNING for an execution, swapping its activation token for the execution's
   * own token. Idempotent for the same token.
   */
  activateExecution(argument: _drover_v1_ActivateExecutionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  activateExecution(argument: _drover_v1_ActivateExecutionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  activateExecution(argument: _drover_v1_ActivateExecutionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  activateExecution(argument: _drover_v1_ActivateExecutionRequest, callback: grpc.requestCallback<_drover_v1_ActivateExecutionResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates quests and attempts; from an execution, adds dependency edges. Answers should_halt
   * when the calling execution must stop and wait for unfinished dependencies.
   */
  EnsureGraphData(argument: _drover_v1_EnsureGraphDataRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  EnsureGraphData(argument: _drover_v1_EnsureGraphDataRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  EnsureGraphData(argument: _drover_v1_EnsureGraphDataRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  EnsureGraphData(argument: _drover_v1_EnsureGraphDataRequest, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates quests and attempts; from an execution, adds dependency edges. Answers should_halt
   * when the calling execution must stop and wait for unfinished dependencies.
   */
  ensureGraphData(argument: _drover_v1_EnsureGraphDataRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  ensureGraphData(argument: _drover_v1_EnsureGraphDataRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  ensureGraphData(argument: _drover_v1_EnsureGraphDataRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  ensureGraphData(argument: _drover_v1_EnsureGraphDataRequest, callback: grpc.requestCallback<_drover_v1_EnsureGraphDataResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Records the attempt's result; the execution goes STOPPING and the attempt FINISHED when its
   * task ends.
   */
  FinishAttempt(argument: _drover_v1_FinishAttemptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  FinishAttempt(argument: _drover_v1_FinishAttemptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  FinishAttempt(argument: _drover_v1_FinishAttemptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  FinishAttempt(argument: _drover_v1_FinishAttemptRequest, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Records the attempt's result; the execution goes STOPPING and the attempt FINISHED when its
   * task ends.
   */
  finishAttempt(argument: _drover_v1_FinishAttemptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  finishAttempt(argument: _drover_v1_FinishAttemptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  finishAttempt(argument: _drover_v1_FinishAttemptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  finishAttempt(argument: _drover_v1_FinishAttemptRequest, callback: grpc.requestCallback<_drover_v1_FinishAttemptResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One run, by id or by name (the newest run with that name), with its steps' states.
   */
  GetRun(argument: _drover_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _drover_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _drover_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _drover_v1_GetRunRequest, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  /**
   * One run, by id or by name (the newest run with that name), with its steps' states.
   */
  getRun(argument: _drover_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _drover_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _drover_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _drover_v1_GetRunRequest, callback: grpc.requestCallback<_drover_v1_Run__Output>): grpc.ClientUnaryCall;
  
  /**
   * Pipeline runs (EnsureGraphDataRequest.run, `drover graph run`), newest first, with their
   * steps' states. A run is listed to a client with `view` in every pool its steps run in (an
   * execution's own credentials do not read runs: UNAUTHENTICATED).
   */
  ListRuns(argument: _drover_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _drover_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _drover_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _drover_v1_ListRunsRequest, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Pipeline runs (EnsureGraphDataRequest.run, `drover graph run`), newest first, with their
   * steps' states. A run is listed to a client with `view` in every pool its steps run in (an
   * execution's own credentials do not read runs: UNAUTHENTICATED).
   */
  listRuns(argument: _drover_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _drover_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _drover_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _drover_v1_ListRunsRequest, callback: grpc.requestCallback<_drover_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Walks the graph from a query.
   */
  WalkGraph(argument: _drover_v1_WalkGraphRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  WalkGraph(argument: _drover_v1_WalkGraphRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  WalkGraph(argument: _drover_v1_WalkGraphRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  WalkGraph(argument: _drover_v1_WalkGraphRequest, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  /**
   * Walks the graph from a query.
   */
  walkGraph(argument: _drover_v1_WalkGraphRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  walkGraph(argument: _drover_v1_WalkGraphRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  walkGraph(argument: _drover_v1_WalkGraphRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  walkGraph(argument: _drover_v1_WalkGraphRequest, callback: grpc.requestCallback<_drover_v1_GraphData__Output>): grpc.ClientUnaryCall;
  
}

export interface GraphHandlers extends grpc.UntypedServiceImplementation {
  /**
   * SCHEDULING -> RUNNING for an execution, swapping its activation token for the execution's
   * own token. Idempotent for the same token.
   */
  ActivateExecution: grpc.handleUnaryCall<_drover_v1_ActivateExecutionRequest__Output, _drover_v1_ActivateExecutionResponse>;
  
  /**
   * Creates quests and attempts; from an execution, adds dependency edges. Answers should_halt
   * when the calling execution must stop and wait for unfinished dependencies.
   */
  EnsureGraphData: grpc.handleUnaryCall<_drover_v1_EnsureGraphDataRequest__Output, _drover_v1_EnsureGraphDataResponse>;
  
  /**
   * Records the attempt's result; the execution goes STOPPING and the attempt FINISHED when its
   * task ends.
   */
  FinishAttempt: grpc.handleUnaryCall<_drover_v1_FinishAttemptRequest__Output, _drover_v1_FinishAttemptResponse>;
  
  /**
   * One run, by id or by name (the newest run with that name), with its steps' states.
   */
  GetRun: grpc.handleUnaryCall<_drover_v1_GetRunRequest__Output, _drover_v1_Run>;
  
  /**
   * Pipeline runs (EnsureGraphDataRequest.run, `drover graph run`), newest first, with their
   * steps' states. A run is listed to a client with `view` in every pool its steps run in (an
   * execution's own credentials do not read runs: UNAUTHENTICATED).
   */
  ListRuns: grpc.handleUnaryCall<_drover_v1_ListRunsRequest__Output, _drover_v1_ListRunsResponse>;
  
  /**
   * Walks the graph from a query.
   */
  WalkGraph: grpc.handleUnaryCall<_drover_v1_WalkGraphRequest__Output, _drover_v1_GraphData>;
  
}

export interface GraphDefinition extends grpc.ServiceDefinition {
  ActivateExecution: MethodDefinition<_drover_v1_ActivateExecutionRequest, _drover_v1_ActivateExecutionResponse, _drover_v1_ActivateExecutionRequest__Output, _drover_v1_ActivateExecutionResponse__Output>
  EnsureGraphData: MethodDefinition<_drover_v1_EnsureGraphDataRequest, _drover_v1_EnsureGraphDataResponse, _drover_v1_EnsureGraphDataRequest__Output, _drover_v1_EnsureGraphDataResponse__Output>
  FinishAttempt: MethodDefinition<_drover_v1_FinishAttemptRequest, _drover_v1_FinishAttemptResponse, _drover_v1_FinishAttemptRequest__Output, _drover_v1_FinishAttemptResponse__Output>
  GetRun: MethodDefinition<_drover_v1_GetRunRequest, _drover_v1_Run, _drover_v1_GetRunRequest__Output, _drover_v1_Run__Output>
  ListRuns: MethodDefinition<_drover_v1_ListRunsRequest, _drover_v1_ListRunsResponse, _drover_v1_ListRunsRequest__Output, _drover_v1_ListRunsResponse__Output>
  WalkGraph: MethodDefinition<_drover_v1_WalkGraphRequest, _drover_v1_GraphData, _drover_v1_WalkGraphRequest__Output, _drover_v1_GraphData__Output>
}
