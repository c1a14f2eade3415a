import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _drover_v1_Ack, Ack__Output as _drover_v1_Ack__Output } from './drover/v1/Ack';
import type { Assign as _drover_v1_Assign, Assign__Output as _drover_v1_Assign__Output } from './drover/v1/Assign';
import type { BotApiClient as _drover_v1_BotApiClient, BotApiDefinition as _drover_v1_BotApiDefinition } from './drover/v1/BotApi';
import type { BotCodeChunk as _drover_v1_BotCodeChunk, BotCodeChunk__Output as _drover_v1_BotCodeChunk__Output } from './drover/v1/BotCodeChunk';
import type { BotHealth as _drover_v1_BotHealth, BotHealth__Output as _drover_v1_BotHealth__Output } from './drover/v1/BotHealth';
import type { BotMessage as _drover_v1_BotMessage, BotMessage__Output as _drover_v1_BotMessage__Output } from './drover/v1/BotMessage';
import type { CacheEntry as _drover_v1_CacheEntry, CacheEntry__Output as _drover_v1_CacheEntry__Output } from './drover/v1/CacheEntry';
import type { CacheInfo as _drover_v1_CacheInfo, CacheInfo__Output as _drover_v1_CacheInfo__Output } from './drover/v1/CacheInfo';
import type { CoordinatorMessage as _drover_v1_CoordinatorMessage, CoordinatorMessage__Output as _drover_v1_CoordinatorMessage__Output } from './drover/v1/CoordinatorMessage';
import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from './drover/v1/Digest';
import type { GetBotCodeRequest as _drover_v1_GetBotCodeRequest, GetBotCodeRequest__Output as _drover_v1_GetBotCodeRequest__Output } from './drover/v1/GetBotCodeRequest';
import type { Heartbeat as _drover_v1_Heartbeat, Heartbeat__Output as _drover_v1_Heartbeat__Output } from './drover/v1/Heartbeat';
import type { Hello as _drover_v1_Hello, Hello__Output as _drover_v1_Hello__Output } from './drover/v1/Hello';
import type { Kill as _drover_v1_Kill, Kill__Output as _drover_v1_Kill__Output } from './drover/v1/Kill';
import type { Output as _drover_v1_Output, Output__Output as _drover_v1_Output__Output } from './drover/v1/Output';
import type { OutputFile as _drover_v1_OutputFile, OutputFile__Output as _drover_v1_OutputFile__Output } from './drover/v1/OutputFile';
import type { OutputFileChunk as _drover_v1_OutputFileChunk, OutputFileChunk__Output as _drover_v1_OutputFileChunk__Output } from './drover/v1/OutputFileChunk';
import type { RunningTask as _drover_v1_RunningTask, RunningTask__Output as _drover_v1_RunningTask__Output } from './drover/v1/RunningTask';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from './drover/v1/StringListPair';
import type { StringPair as _drover_v1_StringPair, StringPair__Output as _drover_v1_StringPair__Output } from './drover/v1/StringPair';
import type { TaskFinished as _drover_v1_TaskFinished, TaskFinished__Output as _drover_v1_TaskFinished__Output } from './drover/v1/TaskFinished';
import type { TaskManifest as _drover_v1_TaskManifest, TaskManifest__Output as _drover_v1_TaskManifest__Output } from './drover/v1/TaskManifest';
import type { TaskStarted as _drover_v1_TaskStarted, TaskStarted__Output as _drover_v1_TaskStarted__Output } from './drover/v1/TaskStarted';
import type { Terminate as _drover_v1_Terminate, Terminate__Output as _drover_v1_Terminate__Output } from './drover/v1/Terminate';
import type { Update as _drover_v1_Update, Update__Output as _drover_v1_Update__Output } from './drover/v1/Update';
import type { UploadOutputsResponse as _drover_v1_UploadOutputsResponse, UploadOutputsResponse__Output as _drover_v1_UploadOutputsResponse__Output } from './drover/v1/UploadOutputsResponse';
import type { Welcome as _drover_v1_Welcome, Welcome__Output as _drover_v1_Welcome__Output } from './drover/v1/Welcome';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  drover: {
    v1: {
      Ack: MessageTypeDefinition<_drover_v1_Ack, _drover_v1_Ack__Output>
      Assign: MessageTypeDefinition<_drover_v1_Assign, _drover_v1_Assign__Output>
      BotApi: SubtypeConstructor<typeof grpc.Client, _drover_v1_BotApiClient> & { service: _drover_v1_BotApiDefinition }
      BotCodeChunk: MessageTypeDefinition<_drover_v1_BotCodeChunk, _drover_v1_BotCodeChunk__Output>
      BotHealth: MessageTypeDefinition<_drover_v1_BotHealth, _drover_v1_BotHealth__Output>
      BotMessage: MessageTypeDefinition<_drover_v1_BotMessage, _drover_v1_BotMessage__Output>
      CacheEntry: MessageTypeDefinition<_drover_v1_CacheEntry, _drover_v1_CacheEntry__Output>
      CacheInfo: MessageTypeDefinition<_drover_v1_CacheInfo, _drover_v1_CacheInfo__Output>
      CoordinatorMessage: MessageTypeDefinition<_drover_v1_CoordinatorMessage, _drover_v1_CoordinatorMessage__Output>
      Digest: MessageTypeDefinition<_drover_v1_Digest, _drover_v1_Digest__Output>
      GetBotCodeRequest: MessageTypeDefinition<_drover_v1_GetBotCodeRequest, _drover_v1_GetBotCodeRequest__Output>
      Heartbeat: MessageTypeDefinition<_drover_v1_Heartbeat, _drover_v1_Heartbeat__Output>
      Hello: MessageTypeDefinition<_drover_v1_Hello, _drover_v1_Hello__Output>
      Kill: MessageTypeDefinition<_drover_v1_Kill, _drover_v1_Kill__Output>
      NullableBool: EnumTypeDefinition
      Output: MessageTypeDefinition<_drover_v1_Output, _drover_v1_Output__Output>
      OutputFile: MessageTypeDefinition<_drover_v1_OutputFile, _drover_v1_OutputFile__Output>
      OutputFileChunk: MessageTypeDefinition<_drover_v1_OutputFileChunk, _drover_v1_OutputFileChunk__Output>
      RunningTask: MessageTypeDefinition<_drover_v1_RunningTask, _drover_v1_RunningTask__Output>
      StateQuery: EnumTypeDefinition
      StringListPair: MessageTypeDefinition<_drover_v1_StringListPair, _drover_v1_StringListPair__Output>
      StringPair: MessageTypeDefinition<_drover_v1_StringPair, _drover_v1_StringPair__Output>
      TaskFinished: MessageTypeDefinition<_drover_v1_TaskFinished, _drover_v1_TaskFinished__Output>
      TaskManifest: MessageTypeDefinition<_drover_v1_TaskManifest, _drover_v1_TaskManifest__Output>
      TaskStarted: MessageTypeDefinition<_drover_v1_TaskStarted, _drover_v1_TaskStarted__Output>
      TaskState: EnumTypeDefinition
      Terminate: MessageTypeDefinition<_drover_v1_Terminate, _drover_v1_Terminate__Output>
      TimeoutKind: EnumTypeDefinition
      Update: MessageTypeDefinition<_drover_v1_Update, _drover_v1_Update__Output>
      UploadOutputsResponse: MessageTypeDefinition<_drover_v1_UploadOutputsResponse, _drover_v1_UploadOutputsResponse__Output>
      Welcome: MessageTypeDefinition<_drover_v1_Welcome, _drover_v1_Welcome__Output>
    }
  }
}

