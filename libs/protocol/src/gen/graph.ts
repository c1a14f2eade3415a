import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AbnormalFinish as _drover_v1_AbnormalFinish, AbnormalFinish__Output as _drover_v1_AbnormalFinish__Output } from './drover/v1/AbnormalFinish';
import type { ActivateExecutionRequest as _drover_v1_ActivateExecutionRequest, ActivateExecutionRequest__Output as _drover_v1_ActivateExecutionRequest__Output } from './drover/v1/ActivateExecutionRequest';
import type { ActivateExecutionResponse as _drover_v1_ActivateExecutionResponse, ActivateExecutionResponse__Output as _drover_v1_ActivateExecutionResponse__Output } from './drover/v1/ActivateExecutionResponse';
import type { Attempt as _drover_v1_Attempt, Attempt__Output as _drover_v1_Attempt__Output } from './drover/v1/Attempt';
import type { AttemptId as _drover_v1_AttemptId, AttemptId__Output as _drover_v1_AttemptId__Output } from './drover/v1/AttemptId';
import type { AttemptNeeds as _drover_v1_AttemptNeeds, AttemptNeeds__Output as _drover_v1_AttemptNeeds__Output } from './drover/v1/AttemptNeeds';
import type { EnsureGraphDataRequest as _drover_v1_EnsureGraphDataRequest, EnsureGraphDataRequest__Output as _drover_v1_EnsureGraphDataRequest__Output } from './drover/v1/EnsureGraphDataRequest';
import type { EnsureGraphDataResponse as _drover_v1_EnsureGraphDataResponse, EnsureGraphDataResponse__Output as _drover_v1_EnsureGraphDataResponse__Output } from './drover/v1/EnsureGraphDataResponse';
import type { Execution as _drover_v1_Execution, Execution__Output as _drover_v1_Execution__Output } from './drover/v1/Execution';
import type { ExecutionAuth as _drover_v1_ExecutionAuth, ExecutionAuth__Output as _drover_v1_ExecutionAuth__Output } from './drover/v1/ExecutionAuth';
import type { ExecutionId as _drover_v1_ExecutionId, ExecutionId__Output as _drover_v1_ExecutionId__Output } from './drover/v1/ExecutionId';
import type { FinishAttemptRequest as _drover_v1_FinishAttemptRequest, FinishAttemptRequest__Output as _drover_v1_FinishAttemptRequest__Output } from './drover/v1/FinishAttemptRequest';
import type { FinishAttemptResponse as _drover_v1_FinishAttemptResponse, FinishAttemptResponse__Output as _drover_v1_FinishAttemptResponse__Output } from './drover/v1/FinishAttemptResponse';
import type { GetRunRequest as _drover_v1_GetRunRequest, GetRunRequest__Output as _drover_v1_GetRunRequest__Output } from './drover/v1/GetRunRequest';
import type { GraphClient as _drover_v1_GraphClient, GraphDefinition as _drover_v1_GraphDefinition } from './drover/v1/Graph';
import type { GraphData as _drover_v1_GraphData, GraphData__Output as _drover_v1_GraphData__Output } from './drover/v1/GraphData';
import type { GraphQuery as _drover_v1_GraphQuery, GraphQuery__Output as _drover_v1_GraphQuery__Output } from './drover/v1/GraphQuery';
import type { JsonResult as _drover_v1_JsonResult, JsonResult__Output as _drover_v1_JsonResult__Output } from './drover/v1/JsonResult';
import type { ListRunsRequest as _drover_v1_ListRunsRequest, ListRunsRequest__Output as _drover_v1_ListRunsRequest__Output } from './drover/v1/ListRunsRequest';
import type { ListRunsResponse as _drover_v1_ListRunsResponse, ListRunsResponse__Output as _drover_v1_ListRunsResponse__Output } from './drover/v1/ListRunsResponse';
import type { PartialFlags as _drover_v1_PartialFlags, PartialFlags__Output as _drover_v1_PartialFlags__Output } from './drover/v1/PartialFlags';
import type { Quest as _drover_v1_Quest, Quest__Output as _drover_v1_Quest__Output } from './drover/v1/Quest';
import type { Run as _drover_v1_Run, Run__Output as _drover_v1_Run__Output } from './drover/v1/Run';
import type { WalkGraphRequest as _drover_v1_WalkGraphRequest, WalkGraphRequest__Output as _drover_v1_WalkGraphRequest__Output } from './drover/v1/WalkGraphRequest';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      AbnormalFinish: MessageTypeDefinition<_drover_v1_AbnormalFinish, _drover_v1_AbnormalFinish__Output>
      ActivateExecutionRequest: MessageTypeDefinition<_drover_v1_ActivateExecutionRequest, _drover_v1_ActivateExecutionRequest__Output>
      ActivateExecutionResponse: MessageTypeDefinition<_drover_v1_ActivateExecutionResponse, _drover_v1_ActivateExecutionResponse__Output>
      Attempt: MessageTypeDefinition<_drover_v1_Attempt, _drover_v1_Attempt__Output>
      AttemptId: MessageTypeDefinition<_drover_v1_AttemptId, _drover_v1_AttemptId__Output>
      AttemptNeeds: MessageTypeDefinition<_drover_v1_AttemptNeeds, _drover_v1_AttemptNeeds__Output>
      EnsureGraphDataRequest: MessageTypeDefinition<_drover_v1_EnsureGraphDataRequest, _drover_v1_EnsureGraphDataRequest__Output>
      EnsureGraphDataResponse: MessageTypeDefinition<_drover_v1_EnsureGraphDataResponse, _drover_v1_EnsureGraphDataResponse__Output>
      Execution: MessageTypeDefinition<_drover_v1_Execution, _drover_v1_Execution__Output>
      ExecutionAuth: MessageTypeDefinition<_drover_v1_ExecutionAuth, _drover_v1_ExecutionAuth__Output>
      ExecutionId: MessageTypeDefinition<_drover_v1_ExecutionId, _drover_v1_ExecutionId__Output>
      FinishAttemptRequest: MessageTypeDefinition<_drover_v1_FinishAttemptRequest, _drover_v1_FinishAttemptRequest__Output>
      FinishAttemptResponse: MessageTypeDefinition<_drover_v1_FinishAttemptResponse, _drover_v1_FinishAttemptResponse__Output>
      GetRunRequest: MessageTypeDefinition<_drover_v1_GetRunRequest, _drover_v1_GetRunRequest__Output>
      Graph: SubtypeConstructor<typeof grpc.Client, _drover_v1_GraphClient> & { service: _drover_v1_GraphDefinition }
      GraphData: MessageTypeDefinition<_drover_v1_GraphData, _drover_v1_GraphData__Output>
      GraphQuery: MessageTypeDefinition<_drover_v1_GraphQuery, _drover_v1_GraphQuery__Output>
      JsonResult: MessageTypeDefinition<_drover_v1_JsonResult, _drover_v1_JsonResult__Output>
      ListRunsRequest: MessageTypeDefinition<_drover_v1_ListRunsRequest, _drover_v1_ListRunsRequest__Output>
      ListRunsResponse: MessageTypeDefinition<_drover_v1_ListRunsResponse, _drover_v1_ListRunsResponse__Output>
      PartialFlags: MessageTypeDefinition<_drover_v1_PartialFlags, _drover_v1_PartialFlags__Output>
      Quest: MessageTypeDefinition<_drover_v1_Quest, _drover_v1_Quest__Output>
      Run: MessageTypeDefinition<_drover_v1_Run, _drover_v1_Run__Output>
      WalkGraphRequest: MessageTypeDefinition<_drover_v1_WalkGraphRequest, _drover_v1_WalkGraphRequest__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

