import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _drover_v1_Ack, Ack__Output as _drover_v1_Ack__Output } from './drover/v1/Ack';
import type { Assign as _drover_v1_Assign, Assign__Output as _drover_v1_Assign__Output } from './drover/v1/Assign';
import type { BatchGetResultRequest as _drover_v1_BatchGetResultRequest, BatchGetResultRequest__Output as _drover_v1_BatchGetResultRequest__Output } from './drover/v1/BatchGetResultRequest';
import type { BatchGetResultResponse as _drover_v1_BatchGetResultResponse, BatchGetResultResponse__Output as _drover_v1_BatchGetResultResponse__Output } from './drover/v1/BatchGetResultResponse';
import type { BotApiClient as _drover_v1_BotApiClient, BotApiDefinition as _drover_v1_BotApiDefinition } from './drover/v1/BotApi';
import type { BotCodeChunk as _drover_v1_BotCodeChunk, BotCodeChunk__Output as _drover_v1_BotCodeChunk__Output } from './drover/v1/BotCodeChunk';
import type { BotEvent as _drover_v1_BotEvent, BotEvent__Output as _drover_v1_BotEvent__Output } from './drover/v1/BotEvent';
import type { BotHealth as _drover_v1_BotHealth, BotHealth__Output as _drover_v1_BotHealth__Output } from './drover/v1/BotHealth';
import type { BotIdRequest as _drover_v1_BotIdRequest, BotIdRequest__Output as _drover_v1_BotIdRequest__Output } from './drover/v1/BotIdRequest';
import type { BotInfo as _drover_v1_BotInfo, BotInfo__Output as _drover_v1_BotInfo__Output } from './drover/v1/BotInfo';
import type { BotMessage as _drover_v1_BotMessage, BotMessage__Output as _drover_v1_BotMessage__Output } from './drover/v1/BotMessage';
import type { BotsClient as _drover_v1_BotsClient, BotsDefinition as _drover_v1_BotsDefinition } from './drover/v1/Bots';
import type { CacheEntry as _drover_v1_CacheEntry, CacheEntry__Output as _drover_v1_CacheEntry__Output } from './drover/v1/CacheEntry';
import type { CacheInfo as _drover_v1_CacheInfo, CacheInfo__Output as _drover_v1_CacheInfo__Output } from './drover/v1/CacheInfo';
import type { CancelTaskRequest as _drover_v1_CancelTaskRequest, CancelTaskRequest__Output as _drover_v1_CancelTaskRequest__Output } from './drover/v1/CancelTaskRequest';
import type { CancelTaskResponse as _drover_v1_CancelTaskResponse, CancelTaskResponse__Output as _drover_v1_CancelTaskResponse__Output } from './drover/v1/CancelTaskResponse';
import type { CancelTasksRequest as _drover_v1_CancelTasksRequest, CancelTasksRequest__Output as _drover_v1_CancelTasksRequest__Output } from './drover/v1/CancelTasksRequest';
import type { CancelTasksResponse as _drover_v1_CancelTasksResponse, CancelTasksResponse__Output as _drover_v1_CancelTasksResponse__Output } from './drover/v1/CancelTasksResponse';
import type { CoordinatorMessage as _drover_v1_CoordinatorMessage, CoordinatorMessage__Output as _drover_v1_CoordinatorMessage__Output } from './drover/v1/CoordinatorMessage';
import type { CountBotsRequest as _drover_v1_CountBotsRequest, CountBotsRequest__Output as _drover_v1_CountBotsRequest__Output } from './drover/v1/CountBotsRequest';
import type { CountBotsResponse as _drover_v1_CountBotsResponse, CountBotsResponse__Output as _drover_v1_CountBotsResponse__Output } from './drover/v1/CountBotsResponse';
import type { CountTasksRequest as _drover_v1_CountTasksRequest, CountTasksRequest__Output as _drover_v1_CountTasksRequest__Output } from './drover/v1/CountTasksRequest';
import type { CountTasksResponse as _drover_v1_CountTasksResponse, CountTasksResponse__Output as _drover_v1_CountTasksResponse__Output } from './drover/v1/CountTasksResponse';
import type { DeleteBotRequest as _drover_v1_DeleteBotRequest, DeleteBotRequest__Output as _drover_v1_DeleteBotRequest__Output } from './drover/v1/DeleteBotRequest';
import type { DeleteBotResponse as _drover_v1_DeleteBotResponse, DeleteBotResponse__Output as _drover_v1_DeleteBotResponse__Output } from './drover/v1/DeleteBotResponse';
import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from './drover/v1/Digest';
import type { GetBotCodeRequest as _drover_v1_GetBotCodeRequest, GetBotCodeRequest__Output as _drover_v1_GetBotCodeRequest__Output } from './drover/v1/GetBotCodeRequest';
import type { GetBotDimensionsRequest as _drover_v1_GetBotDimensionsRequest, GetBotDimensionsRequest__Output as _drover_v1_GetBotDimensionsRequest__Output } from './drover/v1/GetBotDimensionsRequest';
import type { GetBotDimensionsResponse as _drover_v1_GetBotDimensionsResponse, GetBotDimensionsResponse__Output as _drover_v1_GetBotDimensionsResponse__Output } from './drover/v1/GetBotDimensionsResponse';
import type { GetOutputRequest as _drover_v1_GetOutputRequest, GetOutputRequest__Output as _drover_v1_GetOutputRequest__Output } from './drover/v1/GetOutputRequest';
import type { GetStdoutRequest as _drover_v1_GetStdoutRequest, GetStdoutRequest__Output as _drover_v1_GetStdoutRequest__Output } from './drover/v1/GetStdoutRequest';
import type { Heartbeat as _drover_v1_Heartbeat, Heartbeat__Output as _drover_v1_Heartbeat__Output } from './drover/v1/Heartbeat';
import type { Hello as _drover_v1_Hello, Hello__Output as _drover_v1_Hello__Output } from './drover/v1/Hello';
import type { Kill as _drover_v1_Kill, Kill__Output as _drover_v1_Kill__Output } from './drover/v1/Kill';
import type { ListBotEventsRequest as _drover_v1_ListBotEventsRequest, ListBotEventsRequest__Output as _drover_v1_ListBotEventsRequest__Output } from './drover/v1/ListBotEventsRequest';
import type { ListBotEventsResponse as _drover_v1_ListBotEventsResponse, ListBotEventsResponse__Output as _drover_v1_ListBotEventsResponse__Output } from './drover/v1/ListBotEventsResponse';
import type { ListBotTasksRequest as _drover_v1_ListBotTasksRequest, ListBotTasksRequest__Output as _drover_v1_ListBotTasksRequest__Output } from './drover/v1/ListBotTasksRequest';
import type { ListBotsRequest as _drover_v1_ListBotsRequest, ListBotsRequest__Output as _drover_v1_ListBotsRequest__Output } from './drover/v1/ListBotsRequest';
import type { ListBotsResponse as _drover_v1_ListBotsResponse, ListBotsResponse__Output as _drover_v1_ListBotsResponse__Output } from './drover/v1/ListBotsResponse';
import type { ListTasksRequest as _drover_v1_ListTasksRequest, ListTasksRequest__Output as _drover_v1_ListTasksRequest__Output } from './drover/v1/ListTasksRequest';
import type { ListTasksResponse as _drover_v1_ListTasksResponse, ListTasksResponse__Output as _drover_v1_ListTasksResponse__Output } from './drover/v1/ListTasksResponse';
import type { NewTaskRequest as _drover_v1_NewTaskRequest, NewTaskRequest__Output as _drover_v1_NewTaskRequest__Output } from './drover/v1/NewTaskRequest';
import type { NewTaskResponse as _drover_v1_NewTaskResponse, NewTaskResponse__Output as _drover_v1_NewTaskResponse__Output } from './drover/v1/NewTaskResponse';
import type { NewTasksRequest as _drover_v1_NewTasksRequest, NewTasksRequest__Output as _drover_v1_NewTasksRequest__Output } from './drover/v1/NewTasksRequest';
import type { NewTasksResponse as _drover_v1_NewTasksResponse, NewTasksResponse__Output as _drover_v1_NewTasksResponse__Output } from './drover/v1/NewTasksResponse';
import type { Output as _drover_v1_Output, Output__Output as _drover_v1_Output__Output } from './drover/v1/Output';
import type { OutputChunk as _drover_v1_OutputChunk, OutputChunk__Output as _drover_v1_OutputChunk__Output } from './drover/v1/OutputChunk';
import type { OutputFile as _drover_v1_OutputFile, OutputFile__Output as _drover_v1_OutputFile__Output } from './drover/v1/OutputFile';
import type { OutputFileChunk as _drover_v1_OutputFileChunk, OutputFileChunk__Output as _drover_v1_OutputFileChunk__Output } from './drover/v1/OutputFileChunk';
import type { QuarantineBotRequest as _drover_v1_QuarantineBotRequest, QuarantineBotRequest__Output as _drover_v1_QuarantineBotRequest__Output } from './drover/v1/QuarantineBotRequest';
import type { RunningTask as _drover_v1_RunningTask, RunningTask__Output as _drover_v1_RunningTask__Output } from './drover/v1/RunningTask';
import type { SetMaintenanceRequest as _drover_v1_SetMaintenanceRequest, SetMaintenanceRequest__Output as _drover_v1_SetMaintenanceRequest__Output } from './drover/v1/SetMaintenanceRequest';
import type { StreamOutputRequest as _drover_v1_StreamOutputRequest, StreamOutputRequest__Output as _drover_v1_StreamOutputRequest__Output } from './drover/v1/StreamOutputRequest';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from './drover/v1/StringListPair';
import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from './drover/v1/StringPair';
import type { TaskChange as _drover_v1_TaskChange, TaskChange__Output as _drover_v1_TaskChange__Output } from './drover/v1/TaskChange';
import type { TaskFinished as _drover_v1_TaskFinished, TaskFinished__Output as _drover_v1_TaskFinished__Output } from './drover/v1/TaskFinished';
import type { TaskIdRequest as _drover_v1_TaskIdRequest, TaskIdRequest__Output as _drover_v1_TaskIdRequest__Output } from './drover/v1/TaskIdRequest';
import type { TaskManifest as _drover_v1_TaskManifest, TaskManifest__Output as _drover_v1_TaskManifest__Output } from './drover/v1/TaskManifest';
import type { TaskNotification as _drover_v1_TaskNotification, TaskNotification__Output as _drover_v1_TaskNotification__Output } from './drover/v1/TaskNotification';
import type { TaskNotify as _drover_v1_TaskNotify, TaskNotify__Output as _drover_v1_TaskNotify__Output } from './drover/v1/TaskNotify';
import type { TaskOutput as _drover_v1_TaskOutput, TaskOutput__Output as _drover_v1_TaskOutput__Output } from './drover/v1/TaskOutput';
import type { TaskProperties as _drover_v1_TaskProperties, TaskProperties__Output as _drover_v1_TaskProperties__Output } from './drover/v1/TaskProperties';
import type { TaskRequest as _drover_v1_TaskRequest, TaskRequest__Output as _drover_v1_TaskRequest__Output } from './drover/v1/TaskRequest';
import type { TaskResult as _drover_v1_TaskResult, TaskResult__Output as _drover_v1_TaskResult__Output } from './drover/v1/TaskResult';
import type { TaskSlice as _drover_v1_TaskSlice, TaskSlice__Output as _drover_v1_TaskSlice__Output } from './drover/v1/TaskSlice';
import type { TaskStarted as _drover_v1_TaskStarted, TaskStarted__Output as _drover_v1_TaskStarted__Output } from './drover/v1/TaskStarted';
import type { TasksClient as _drover_v1_TasksClient, TasksDefinition as _drover_v1_TasksDefinition } from './drover/v1/Tasks';
import type { Terminate as _drover_v1_Terminate, Terminate__Output as _drover_v1_Terminate__Output } from './drover/v1/Terminate';
import type { TerminateBotRequest as _drover_v1_TerminateBotRequest, TerminateBotRequest__Output as _drover_v1_TerminateBotRequest__Output } from './drover/v1/TerminateBotRequest';
import type { TerminateBotResponse as _drover_v1_TerminateBotResponse, TerminateBotResponse__Output as _drover_v1_TerminateBotResponse__Output } from './drover/v1/TerminateBotResponse';
import type { Update as _drover_v1_Update, Update__Output as _drover_v1_Update__Output } from './drover/v1/Update';
import type { UploadOutputsResponse as _drover_v1_UploadOutputsResponse, UploadOutputsResponse__Output as _drover_v1_UploadOutputsResponse__Output } from './drover/v1/UploadOutputsResponse';
import type { WaitTaskRequest as _drover_v1_WaitTaskRequest, WaitTaskRequest__Output as _drover_v1_WaitTaskRequest__Output } from './drover/v1/WaitTaskRequest';
import type { WatchTasksRequest as _drover_v1_WatchTasksRequest, WatchTasksRequest__Output as _drover_v1_WatchTasksRequest__Output } from './drover/v1/WatchTasksRequest';
import type { Welcome as _drover_v1_Welcome, Welcome__Output as _drover_v1_Welcome__Output } from './drover/v1/Welcome';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      Ack: MessageTypeDefinition<_drover_v1_Ack, _drover_v1_Ack__Output>
      Assign: MessageTypeDefinition<_drover_v1_Assign, _drover_v1_Assign__Output>
      BatchGetResultRequest: MessageTypeDefinition<_drover_v1_BatchGetResultRequest, _drover_v1_BatchGetResultRequest__Output>
      BatchGetResultResponse: MessageTypeDefinition<_drover_v1_BatchGetResultResponse, _drover_v1_BatchGetResultResponse__Output>
      BotApi: SubtypeConstructor<typeof grpc.Client, _drover_v1_BotApiClient> & { service: _drover_v1_BotApiDefinition }
      BotCodeChunk: MessageTypeDefinition<_drover_v1_BotCodeChunk, _drover_v1_BotCodeChunk__Output>
      BotEvent: MessageTypeDefinition<_drover_v1_BotEvent, _drover_v1_BotEvent__Output>
      BotHealth: MessageTypeDefinition<_drover_v1_BotHealth, _drover_v1_BotHealth__Output>
      BotIdRequest: MessageTypeDefinition<_drover_v1_BotIdRequest, _drover_v1_BotIdRequest__Output>
      BotInfo: MessageTypeDefinition<_drover_v1_BotInfo, _drover_v1_BotInfo__Output>
      BotMessage: MessageTypeDefinition<_drover_v1_BotMessage, _drover_v1_BotMessage__Output>
      Bots: SubtypeConstructor<typeof grpc.Client, _drover_v1_BotsClient> & { service: _drover_v1_BotsDefinition }
      CacheEntry: MessageTypeDefinition<_drover_v1_CacheEntry, _drover_v1_CacheEntry__Output>
      CacheInfo: MessageTypeDefinition<_drover_v1_CacheInfo, _drover_v1_CacheInfo__Output>
      CancelTaskRequest: MessageTypeDefinition<_drover_v1_CancelTaskRequest, _drover_v1_CancelTaskRequest__Output>
      CancelTaskResponse: MessageTypeDefinition<_drover_v1_CancelTaskResponse, _drover_v1_CancelTaskResponse__Output>
      CancelTasksRequest: MessageTypeDefinition<_drover_v1_CancelTasksRequest, _drover_v1_CancelTasksRequest__Output>
      CancelTasksResponse: MessageTypeDefinition<_drover_v1_CancelTasksResponse, _drover_v1_CancelTasksResponse__Output>
      CoordinatorMessage: MessageTypeDefinition<_drover_v1_CoordinatorMessage, _drover_v1_CoordinatorMessage__Output>
      CountBotsRequest: MessageTypeDefinition<_drover_v1_CountBotsRequest, _drover_v1_CountBotsRequest__Output>
      CountBotsResponse: MessageTypeDefinition<_drover_v1_CountBotsResponse, _drover_v1_CountBotsResponse__Output>
      CountTasksRequest: MessageTypeDefinition<_drover_v1_CountTasksRequest, _drover_v1_CountTasksRequest__Output>
      CountTasksResponse: MessageTypeDefinition<_drover_v1_CountTasksResponse, _drover_v1_CountTasksResponse__Output>
      DeleteBotRequest: MessageTypeDefinition<_drover_v1_DeleteBotRequest, _drover_v1_DeleteBotRequest__Output>
      DeleteBotResponse: MessageTypeDefinition<_drover_v1_DeleteBotResponse, _drover_v1_DeleteBotResponse__Output>
      Digest: MessageTypeDefinition<_drover_v1_Digest, _drover_v1_Digest__Output>
      GetBotCodeRequest: MessageTypeDefinition<_drover_v1_GetBotCodeRequest, _drover_v1_GetBotCodeRequest__Output>
      GetBotDimensionsRequest: MessageTypeDefinition<_drover_v1_GetBotDimensionsRequest, _drover_v1_GetBotDimensionsRequest__Output>
      GetBotDimensionsResponse: MessageTypeDefinition<_drover_v1_GetBotDimensionsResponse, _drover_v1_GetBotDimensionsResponse__Output>
      GetOutputRequest: MessageTypeDefinition<_drover_v1_GetOutputRequest, _drover_v1_GetOutputRequest__Output>
      GetStdoutRequest: MessageTypeDefinition<_drover_v1_GetStdoutRequest, _drover_v1_GetStdoutRequest__Output>
      Heartbeat: MessageTypeDefinition<_drover_v1_Heartbeat, _drover_v1_Heartbeat__Output>
      Hello: MessageTypeDefinition<_drover_v1_Hello, _drover_v1_Hello__Output>
      Kill: MessageTypeDefinition<_drover_v1_Kill, _drover_v1_Kill__Output>
      ListBotEventsRequest: MessageTypeDefinition<_drover_v1_ListBotEventsRequest, _drover_v1_ListBotEventsRequest__Output>
      ListBotEventsResponse: MessageTypeDefinition<_drover_v1_ListBotEventsResponse, _drover_v1_ListBotEventsResponse__Output>
      ListBotTasksRequest: MessageTypeDefinition<_drover_v1_ListBotTasksRequest, _drover_v1_ListBotTasksRequest__Output>
      ListBotsRequest: MessageTypeDefinition<_drover_v1_ListBotsRequest, _drover_v1_ListBotsRequest__Output>
      ListBotsResponse: MessageTypeDefinition<_drover_v1_ListBotsResponse, _drover_v1_ListBotsResponse__Output>
      ListTasksRequest: MessageTypeDefinition<_drover_v1_ListTasksRequest, _drover_v1_ListTasksRequest__Output>
      ListTasksResponse: MessageTypeDefinition<_drover_v1_ListTasksResponse, _drover_v1_ListTasksResponse__Output>
      NewTaskRequest: MessageTypeDefinition<_drover_v1_NewTaskRequest, _drover_v1_NewTaskRequest__Output>
      NewTaskResponse: MessageTypeDefinition<_drover_v1_NewTaskResponse, _drover_v1_NewTaskResponse__Output>
      NewTasksRequest: MessageTypeDefinition<_drover_v1_NewTasksRequest, _drover_v1_NewTasksRequest__Output>
      NewTasksResponse: MessageTypeDefinition<_drover_v1_NewTasksResponse, _drover_v1_NewTasksResponse__Output>
      NullableBool: EnumTypeDefinition
      Output: MessageTypeDefinition<_drover_v1_Output, _drover_v1_Output__Output>
      OutputChunk: MessageTypeDefinition<_drover_v1_OutputChunk, _drover_v1_OutputChunk__Output>
      OutputFile: MessageTypeDefinition<_drover_v1_OutputFile, _drover_v1_OutputFile__Output>
      OutputFileChunk: MessageTypeDefinition<_drover_v1_OutputFileChunk, _drover_v1_OutputFileChunk__Output>
      QuarantineBotRequest: MessageTypeDefinition<_drover_v1_QuarantineBotRequest, _drover_v1_QuarantineBotRequest__Output>
      RunningTask: MessageTypeDefinition<_drover_v1_RunningTask, _drover_v1_RunningTask__Output>
      SetMaintenanceRequest: MessageTypeDefinition<_drover_v1_SetMaintenanceRequest, _drover_v1_SetMaintenanceRequest__Output>
      StateQuery: EnumTypeDefinition
      StreamOutputRequest: MessageTypeDefinition<_drover_v1_StreamOutputRequest, _drover_v1_StreamOutputRequest__Output>
      StringListPair: MessageTypeDefinition<_drover_v1_StringListPair, _drover_v1_StringListPair__Output>
      StringPair: MessageTypeDefinition<_drover_v1_StringPair, _drover_v1_StringPair__Output>
      TaskChange: MessageTypeDefinition<_drover_v1_TaskChange, _drover_v1_TaskChange__Output>
      TaskFinished: MessageTypeDefinition<_drover_v1_TaskFinished, _drover_v1_TaskFinished__Output>
      TaskIdRequest: MessageTypeDefinition<_drover_v1_TaskIdRequest, _drover_v1_TaskIdRequest__Output>
      TaskManifest: MessageTypeDefinition<_drover_v1_TaskManifest, _drover_v1_TaskManifest__Output>
      TaskNotification: MessageTypeDefinition<_drover_v1_TaskNotification, _drover_v1_TaskNotification__Output>
      TaskNotify: MessageTypeDefinition<_drover_v1_TaskNotify, _drover_v1_TaskNotify__Output>
      TaskOutput: MessageTypeDefinition<_drover_v1_TaskOutput, _drover_v1_TaskOutput__Output>
      TaskProperties: MessageTypeDefinition<_drover_v1_TaskProperties, _drover_v1_TaskProperties__Output>
      TaskRequest: MessageTypeDefinition<_drover_v1_TaskRequest, _drover_v1_TaskRequest__Output>
      TaskResult: MessageTypeDefinition<_drover_v1_TaskResult, _drover_v1_TaskResult__Output>
      TaskSlice: MessageTypeDefinition<_drover_v1_TaskSlice, _drover_v1_TaskSlice__Output>
      TaskSort: EnumTypeDefinition
      TaskStarted: MessageTypeDefinition<_drover_v1_TaskStarted, _drover_v1_TaskStarted__Output>
      TaskState: EnumTypeDefinition
      Tasks: SubtypeConstructor<typeof grpc.Client, _drover_v1_TasksClient> & { service: _drover_v1_TasksDefinition }
      Terminate: MessageTypeDefinition<_drover_v1_Terminate, _drover_v1_Terminate__Output>
      TerminateBotRequest: MessageTypeDefinition<_drover_v1_TerminateBotRequest, _drover_v1_TerminateBotRequest__Output>
      TerminateBotResponse: MessageTypeDefinition<_drover_v1_TerminateBotResponse, _drover_v1_TerminateBotResponse__Output>
      TimeoutKind: EnumTypeDefinition
      Update: MessageTypeDefinition<_drover_v1_Update, _drover_v1_Update__Output>
      UploadOutputsResponse: MessageTypeDefinition<_drover_v1_UploadOutputsResponse, _drover_v1_UploadOutputsResponse__Output>
      WaitTaskRequest: MessageTypeDefinition<_drover_v1_WaitTaskRequest, _drover_v1_WaitTaskRequest__Output>
      WatchTasksRequest: MessageTypeDefinition<_drover_v1_WatchTasksRequest, _drover_v1_WatchTasksRequest__Output>
      Welcome: MessageTypeDefinition<_drover_v1_Welcome, _drover_v1_Welcome__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

