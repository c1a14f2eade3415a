import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BatchGetResultRequest as _drover_v1_BatchGetResultRequest, BatchGetResultRequest__Output as _drover_v1_BatchGetResultRequest__Output } from './drover/v1/BatchGetResultRequest';
import type { BatchGetResultResponse as _drover_v1_BatchGetResultResponse, BatchGetResultResponse__Output as _drover_v1_BatchGetResultResponse__Output } from './drover/v1/BatchGetResultResponse';
import type { CacheEntry as _drover_v1_CacheEntry, CacheEntry__Output as _drover_v1_CacheEntry__Output } from './drover/v1/CacheEntry';
import type { CancelTaskRequest as _drover_v1_CancelTaskRequest, CancelTaskRequest__Output as _drover_v1_CancelTaskRequest__Output } from './drover/v1/CancelTaskRequest';
import type { CancelTaskResponse as _drover_v1_CancelTaskResponse, CancelTaskResponse__Output as _drover_v1_CancelTaskResponse__Output } from './drover/v1/CancelTaskResponse';
import type { CancelTasksRequest as _drover_v1_CancelTasksRequest, CancelTasksRequest__Output as _drover_v1_CancelTasksRequest__Output } from './drover/v1/CancelTasksRequest';
import type { CancelTasksResponse as _drover_v1_CancelTasksResponse, CancelTasksResponse__Output as _drover_v1_CancelTasksResponse__Output } from './drover/v1/CancelTasksResponse';
import type { CountTasksRequest as _drover_v1_CountTasksRequest, CountTasksRequest__Output as _drover_v1_CountTasksRequest__Output } from './drover/v1/CountTasksRequest';
import type { CountTasksResponse as _drover_v1_CountTasksResponse, CountTasksResponse__Output as _drover_v1_CountTasksResponse__Output } from './drover/v1/CountTasksResponse';
import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from './drover/v1/Digest';
import type { GetOutputRequest as _drover_v1_GetOutputRequest, GetOutputRequest__Output as _drover_v1_GetOutputRequest__Output } from './drover/v1/GetOutputRequest';
import type { GetStdoutRequest as _drover_v1_GetStdoutRequest, GetStdoutRequest__Output as _drover_v1_GetStdoutRequest__Output } from './drover/v1/GetStdoutRequest';
import type { ListTasksRequest as _drover_v1_ListTasksRequest, ListTasksRequest__Output as _drover_v1_ListTasksRequest__Output } from './drover/v1/ListTasksRequest';
import type { ListTasksResponse as _drover_v1_ListTasksResponse, ListTasksResponse__Output as _drover_v1_ListTasksResponse__Output } from './drover/v1/ListTasksResponse';
import type { NewTaskRequest as _drover_v1_NewTaskRequest, NewTaskRequest__Output as _drover_v1_NewTaskRequest__Output } from './drover/v1/NewTaskRequest';
import type { NewTaskResponse as _drover_v1_NewTaskResponse, NewTaskResponse__Output as _drover_v1_NewTaskResponse__Output } from './drover/v1/NewTaskResponse';
import type { NewTasksRequest as _drover_v1_NewTasksRequest, NewTasksRequest__Output as _drover_v1_NewTasksRequest__Output } from './drover/v1/NewTasksRequest';
import type { NewTasksResponse as _drover_v1_NewTasksResponse, NewTasksResponse__Output as _drover_v1_NewTasksResponse__Output } from './drover/v1/NewTasksResponse';
import type { OutputChunk as _drover_v1_OutputChunk, OutputChunk__Output as _drover_v1_OutputChunk__Output } from './drover/v1/OutputChunk';
import type { OutputFile as _drover_v1_OutputFile, OutputFile__Output as _drover_v1_OutputFile__Output } from './drover/v1/OutputFile';
import type { StreamOutputRequest as _drover_v1_StreamOutputRequest, StreamOutputRequest__Output as _drover_v1_StreamOutputRequest__Output } from './drover/v1/StreamOutputRequest';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from './drover/v1/StringListPair';
import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from './drover/v1/StringPair';
import type { TaskChange as _drover_v1_TaskChange, TaskChange__Output as _drover_v1_TaskChange__Output } from './drover/v1/TaskChange';
import type { TaskIdRequest as _drover_v1_TaskIdRequest, TaskIdRequest__Output as _drover_v1_TaskIdRequest__Output } from './drover/v1/TaskIdRequest';
import type { TaskNotification as _drover_v1_TaskNotification, TaskNotification__Output as _drover_v1_TaskNotification__Output } from './drover/v1/TaskNotification';
import type { TaskNotify as _drover_v1_TaskNotify, TaskNotify__Output as _drover_v1_TaskNotify__Output } from './drover/v1/TaskNotify';
import type { TaskOutput as _drover_v1_TaskOutput, TaskOutput__Output as _drover_v1_TaskOutput__Output } from './drover/v1/TaskOutput';
import type { TaskProperties as _drover_v1_TaskProperties, TaskProperties__Output as _drover_v1_TaskProperties__Output } from './drover/v1/TaskProperties';
import type { TaskRequest as _drover_v1_TaskRequest, TaskRequest__Output as _drover_v1_TaskRequest__Output } from './drover/v1/TaskRequest';
import type { TaskResult as _drover_v1_TaskResult, TaskResult__Output as _drover_v1_TaskResult__Output } from './drover/v1/TaskResult';
import type { TaskSlice as _drover_v1_TaskSlice, TaskSlice__Output as _drover_v1_TaskSlice__Output } from './drover/v1/TaskSlice';
import type { TasksClient as _drover_v1_TasksClient, TasksDefinition as _drover_v1_TasksDefinition } from './drover/v1/Tasks';
import type { WaitTaskRequest as _drover_v1_WaitTaskRequest, WaitTaskRequest__Output as _drover_v1_WaitTaskRequest__Output } from './drover/v1/WaitTaskRequest';
import type { WatchTasksRequest as _drover_v1_WatchTasksRequest, WatchTasksRequest__Output as _drover_v1_WatchTasksRequest__Output } from './drover/v1/WatchTasksRequest';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      BatchGetResultRequest: MessageTypeDefinition<_drover_v1_BatchGetResultRequest, _drover_v1_BatchGetResultRequest__Output>
      BatchGetResultResponse: MessageTypeDefinition<_drover_v1_BatchGetResultResponse, _drover_v1_BatchGetResultResponse__Output>
      CacheEntry: MessageTypeDefinition<_drover_v1_CacheEntry, _drover_v1_CacheEntry__Output>
      CancelTaskRequest: MessageTypeDefinition<_drover_v1_CancelTaskRequest, _drover_v1_CancelTaskRequest__Output>
      CancelTaskResponse: MessageTypeDefinition<_drover_v1_CancelTaskResponse, _drover_v1_CancelTaskResponse__Output>
      CancelTasksRequest: MessageTypeDefinition<_drover_v1_CancelTasksRequest, _drover_v1_CancelTasksRequest__Output>
      CancelTasksResponse: MessageTypeDefinition<_drover_v1_CancelTasksResponse, _drover_v1_CancelTasksResponse__Output>
      CountTasksRequest: MessageTypeDefinition<_drover_v1_CountTasksRequest, _drover_v1_CountTasksRequest__Output>
      CountTasksResponse: MessageTypeDefinition<_drover_v1_CountTasksResponse, _drover_v1_CountTasksResponse__Output>
      Digest: MessageTypeDefinition<_drover_v1_Digest, _drover_v1_Digest__Output>
      GetOutputRequest: MessageTypeDefinition<_drover_v1_GetOutputRequest, _drover_v1_GetOutputRequest__Output>
      GetStdoutRequest: MessageTypeDefinition<_drover_v1_GetStdoutRequest, _drover_v1_GetStdoutRequest__Output>
      ListTasksRequest: MessageTypeDefinition<_drover_v1_ListTasksRequest, _drover_v1_ListTasksRequest__Output>
      ListTasksResponse: MessageTypeDefinition<_drover_v1_ListTasksResponse, _drover_v1_ListTasksResponse__Output>
      NewTaskRequest: MessageTypeDefinition<_drover_v1_NewTaskRequest, _drover_v1_NewTaskRequest__Output>
      NewTaskResponse: MessageTypeDefinition<_drover_v1_NewTaskResponse, _drover_v1_NewTaskResponse__Output>
      NewTasksRequest: MessageTypeDefinition<_drover_v1_NewTasksRequest, _drover_v1_NewTasksRequest__Output>
      NewTasksResponse: MessageTypeDefinition<_drover_v1_NewTasksResponse, _drover_v1_NewTasksResponse__Output>
      NullableBool: EnumTypeDefinition
      OutputChunk: MessageTypeDefinition<_drover_v1_OutputChunk, _drover_v1_OutputChunk__Output>
      OutputFile: MessageTypeDefinition<_drover_v1_OutputFile, _drover_v1_OutputFile__Output>
      StateQuery: EnumTypeDefinition
      StreamOutputRequest: MessageTypeDefinition<_drover_v1_StreamOutputRequest, _drover_v1_StreamOutputRequest__Output>
      StringListPair: MessageTypeDefinition<_drover_v1_StringListPair, _drover_v1_StringListPair__Output>
      StringPair: MessageTypeDefinition<_drover_v1_StringPair, _drover_v1_StringPair__Output>
      TaskChange: MessageTypeDefinition<_drover_v1_TaskChange, _drover_v1_TaskChange__Output>
      TaskIdRequest: MessageTypeDefinition<_drover_v1_TaskIdRequest, _drover_v1_TaskIdRequest__Output>
      TaskNotification: MessageTypeDefinition<_drover_v1_TaskNotification, _drover_v1_TaskNotification__Output>
      TaskNotify: MessageTypeDefinition<_drover_v1_TaskNotify, _drover_v1_TaskNotify__Output>
      TaskOutput: MessageTypeDefinition<_drover_v1_TaskOutput, _drover_v1_TaskOutput__Output>
      TaskProperties: MessageTypeDefinition<_drover_v1_TaskProperties, _drover_v1_TaskProperties__Output>
      TaskRequest: MessageTypeDefinition<_drover_v1_TaskRequest, _drover_v1_TaskRequest__Output>
      TaskResult: MessageTypeDefinition<_drover_v1_TaskResult, _drover_v1_TaskResult__Output>
      TaskSlice: MessageTypeDefinition<_drover_v1_TaskSlice, _drover_v1_TaskSlice__Output>
      TaskSort: EnumTypeDefinition
      TaskState: EnumTypeDefinition
      Tasks: SubtypeConstructor<typeof grpc.Client, _drover_v1_TasksClient> & { service: _drover_v1_TasksDefinition }
      WaitTaskRequest: MessageTypeDefinition<_drover_v1_WaitTaskRequest, _drover_v1_WaitTaskRequest__Output>
      WatchTasksRequest: MessageTypeDefinition<_drover_v1_WatchTasksRequest, _drover_v1_WatchTasksRequest__Output>
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

