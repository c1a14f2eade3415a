// Original file: proto/drover/v1/botapi.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BotMessage as _drover_v1_BotMessage, BotMessage__Output as _drover_v1_BotMessage__Output } from '../../drover/v1/BotMessage';
import type { CoordinatorMessage as _drover_v1_CoordinatorMessage, CoordinatorMessage__Output as _drover_v1_CoordinatorMessage__Output } from '../../drover/v1/CoordinatorMessage';

export interface BotApiClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  
}

export interface BotApiHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_drover_v1_BotMessage__Output, _drover_v1_CoordinatorMessage>;
  
}

export interface BotApiDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage, _drover_v1_BotMessage__Output, _drover_v1_CoordinatorMessage__Output>
}
