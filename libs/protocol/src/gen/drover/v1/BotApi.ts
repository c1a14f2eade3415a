// Original file: proto/drover/v1/botapi.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BotCodeChunk as _drover_v1_BotCodeChunk, BotCodeChunk__Output as _drover_v1_BotCodeChunk__Output } from '../../drover/v1/BotCodeChunk';
import type { BotMessage as _drover_v1_BotMessage, BotMessage__Output as _drover_v1_BotMessage__Output } from '../../drover/v1/BotMessage';
import type { CoordinatorMessage as _drover_v1_CoordinatorMessage, CoordinatorMessage__Output as _drover_v1_CoordinatorMessage__Output } from '../../drover/v1/CoordinatorMessage';
import type { GetBotCodeRequest as _drover_v1_GetBotCodeRequest, GetBotCodeRequest__Output as _drover_v1_GetBotCodeRequest__Output } from '../../drover/v1/GetBotCodeRequest';
import type { OutputFileChunk as _drover_v1_OutputFileChunk, OutputFileChunk__Output as _drover_v1_OutputFileChunk__Output } from '../../drover/v1/OutputFileChunk';
import type { UploadOutputsResponse as _drover_v1_UploadOutputsResponse, UploadOutputsResponse__Output as _drover_v1_UploadOutputsResponse__Output } from '../../drover/v1/UploadOutputsResponse';

export interface BotApiClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage__Output>;
  
  /**
   * The bot code the coordinator serves (see Update), in chunks; bot tokens only. The bot checks
   * the SHA-256 of the whole before it installs it.
   */
  GetBotCode(argument: _drover_v1_GetBotCodeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_BotCodeChunk__Output>;
  GetBotCode(argument: _drover_v1_GetBotCodeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_BotCodeChunk__Output>;
  /**
   * The bot code the coordinator serves (see Update), in chunks; bot tokens only. The bot checks
   * the SHA-256 of the whole before it installs it.
   */
  getBotCode(argument: _drover_v1_GetBotCodeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_BotCodeChunk__Output>;
  getBotCode(argument: _drover_v1_GetBotCodeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_drover_v1_BotCodeChunk__Output>;
  
  /**
   * Files a task left in DROVER_OUTDIR, sent after its process ended and before its
   * TaskFinished (which lists them). Every chunk names the bot, task and lease: only the bot
   * holding that RUNNING task under that lease may upload. Files go one after the other, each in
   * chunks at increasing offsets; the coordinator checks each file's SHA-256 before keeping it.
   */
  UploadOutputs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  UploadOutputs(metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  UploadOutputs(options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  UploadOutputs(callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  /**
   * Files a task left in DROVER_OUTDIR, sent after its process ended and before its
   * TaskFinished (which lists them). Every chunk names the bot, task and lease: only the bot
   * holding that RUNNING task under that lease may upload. Files go one after the other, each in
   * chunks at increasing offsets; the coordinator checks each file's SHA-256 before keeping it.
   */
  uploadOutputs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  uploadOutputs(metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  uploadOutputs(options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  uploadOutputs(callback: grpc.requestCallback<_drover_v1_UploadOutputsResponse__Output>): grpc.ClientWritableStream<_drover_v1_OutputFileChunk>;
  
}

export interface BotApiHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_drover_v1_BotMessage__Output, _drover_v1_CoordinatorMessage>;
  
  /**
   * The bot code the coordinator serves (see Update), in chunks; bot tokens only. The bot checks
   * the SHA-256 of the whole before it installs it.
   */
  GetBotCode: grpc.handleServerStreamingCall<_drover_v1_GetBotCodeRequest__Output, _drover_v1_BotCodeChunk>;
  
  /**
   * Files a task left in DROVER_OUTDIR, sent after its process ended and before its
   * TaskFinished (which lists them). Every chunk names the bot, task and lease: only the bot
   * holding that RUNNING task under that lease may upload. Files go one after the other, each in
   * chunks at increasing offsets; the coordinator checks each file's SHA-256 before keeping it.
   */
  UploadOutputs: grpc.handleClientStreamingCall<_drover_v1_OutputFileChunk__Output, _drover_v1_UploadOutputsResponse>;
  
}

export interface BotApiDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_drover_v1_BotMessage, _drover_v1_CoordinatorMessage, _drover_v1_BotMessage__Output, _drover_v1_CoordinatorMessage__Output>
  GetBotCode: MethodDefinition<_drover_v1_GetBotCodeRequest, _drover_v1_BotCodeChunk, _drover_v1_GetBotCodeRequest__Output, _drover_v1_BotCodeChunk__Output>
  UploadOutputs: MethodDefinition<_drover_v1_OutputFileChunk, _drover_v1_UploadOutputsResponse, _drover_v1_OutputFileChunk__Output, _drover_v1_UploadOutputsResponse__Output>
}
