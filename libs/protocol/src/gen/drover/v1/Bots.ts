// Original file: proto/drover/v1/bots.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BotIdRequest as _drover_v1_BotIdRequest, BotIdRequest__Output as _drover_v1_BotIdRequest__Output } from '../../drover/v1/BotIdRequest';
import type { BotInfo as _drover_v1_BotInfo, BotInfo__Output as _drover_v1_BotInfo__Output } from '../../drover/v1/BotInfo';
import type { CountBotsRequest as _drover_v1_CountBotsRequest, CountBotsRequest__Output as _drover_v1_CountBotsRequest__Output } from '../../drover/v1/CountBotsRequest';
import type { CountBotsResponse as _drover_v1_CountBotsResponse, CountBotsResponse__Output as _drover_v1_CountBotsResponse__Output } from '../../drover/v1/CountBotsResponse';
import type { DeleteBotRequest as _drover_v1_DeleteBotRequest, DeleteBotRequest__Output as _drover_v1_DeleteBotRequest__Output } from '../../drover/v1/DeleteBotRequest';
import type { DeleteBotResponse as _drover_v1_DeleteBotResponse, DeleteBotResponse__Output as _drover_v1_DeleteBotResponse__Output } from '../../drover/v1/DeleteBotResponse';
import type { GetBotDimensionsRequest as _drover_v1_GetBotDimensionsRequest, GetBotDimensionsRequest__Output as _drover_v1_GetBotDimensionsRequest__Output } from '../../drover/v1/GetBotDimensionsRequest';
import type { GetBotDimensionsResponse as _drover_v1_GetBotDimensionsResponse, GetBotDimensionsResponse__Output as _drover_v1_GetBotDimensionsResponse__Output } from '../../drover/v1/GetBotDimensionsResponse';
import type { ListBotEventsRequest as _drover_v1_ListBotEventsRequest, ListBotEventsRequest__Output as _drover_v1_ListBotEventsRequest__Output } from '../../drover/v1/ListBotEventsRequest';
import type { ListBotEventsResponse as _drover_v1_ListBotEventsResponse, ListBotEventsResponse__Output as _drover_v1_ListBotEventsResponse__Output } from '../../drover/v1/ListBotEventsResponse';
import type { ListBotTasksRequest as _drover_v1_ListBotTasksRequest, ListBotTasksRequest__Output as _drover_v1_ListBotTasksRequest__Output } from '../../drover/v1/ListBotTasksRequest';
import type { ListBotsRequest as _drover_v1_ListBotsRequest, ListBotsRequest__Output as _drover_v1_ListBotsRequest__Output } from '../../drover/v1/ListBotsRequest';
import type { ListBotsResponse as _drover_v1_ListBotsResponse, ListBotsResponse__Output as _drover_v1_ListBotsResponse__Output } from '../../drover/v1/ListBotsResponse';
import type { ListTasksResponse as _drover_v1_ListTasksResponse, ListTasksResponse__Output as _drover_v1_ListTasksResponse__Output } from '../../drover/v1/ListTasksResponse';
import type { QuarantineBotRequest as _drover_v1_QuarantineBotRequest, QuarantineBotRequest__Output as _drover_v1_QuarantineBotRequest__Output } from '../../drover/v1/QuarantineBotRequest';
import type { SetMaintenanceRequest as _drover_v1_SetMaintenanceRequest, SetMaintenanceRequest__Output as _drover_v1_SetMaintenanceRequest__Output } from '../../drover/v1/SetMaintenanceRequest';
import type { TerminateBotRequest as _drover_v1_TerminateBotRequest, TerminateBotRequest__Output as _drover_v1_TerminateBotRequest__Output } from '../../drover/v1/TerminateBotRequest';
import type { TerminateBotResponse as _drover_v1_TerminateBotResponse, TerminateBotResponse__Output as _drover_v1_TerminateBotResponse__Output } from '../../drover/v1/TerminateBotResponse';

export interface BotsClient extends grpc.Client {
  CountBots(argument: _drover_v1_CountBotsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  CountBots(argument: _drover_v1_CountBotsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  CountBots(argument: _drover_v1_CountBotsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  CountBots(argument: _drover_v1_CountBotsRequest, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  countBots(argument: _drover_v1_CountBotsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  countBots(argument: _drover_v1_CountBotsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  countBots(argument: _drover_v1_CountBotsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  countBots(argument: _drover_v1_CountBotsRequest, callback: grpc.requestCallback<_drover_v1_CountBotsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Forgets a bot; refused while it is connected unless force.
   */
  DeleteBot(argument: _drover_v1_DeleteBotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  DeleteBot(argument: _drover_v1_DeleteBotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  DeleteBot(argument: _drover_v1_DeleteBotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  DeleteBot(argument: _drover_v1_DeleteBotRequest, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Forgets a bot; refused while it is connected unless force.
   */
  deleteBot(argument: _drover_v1_DeleteBotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  deleteBot(argument: _drover_v1_DeleteBotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  deleteBot(argument: _drover_v1_DeleteBotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  deleteBot(argument: _drover_v1_DeleteBotRequest, callback: grpc.requestCallback<_drover_v1_DeleteBotResponse__Output>): grpc.ClientUnaryCall;
  
  GetBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  GetBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  GetBot(argument: _drover_v1_BotIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  GetBot(argument: _drover_v1_BotIdRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  getBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  getBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  getBot(argument: _drover_v1_BotIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  getBot(argument: _drover_v1_BotIdRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  
  GetBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  GetBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  GetBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  GetBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  getBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  getBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  getBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  getBotDimensions(argument: _drover_v1_GetBotDimensionsRequest, callback: grpc.requestCallback<_drover_v1_GetBotDimensionsResponse__Output>): grpc.ClientUnaryCall;
  
  ListBotEvents(argument: _drover_v1_ListBotEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  ListBotEvents(argument: _drover_v1_ListBotEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  ListBotEvents(argument: _drover_v1_ListBotEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  ListBotEvents(argument: _drover_v1_ListBotEventsRequest, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  listBotEvents(argument: _drover_v1_ListBotEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  listBotEvents(argument: _drover_v1_ListBotEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  listBotEvents(argument: _drover_v1_ListBotEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  listBotEvents(argument: _drover_v1_ListBotEventsRequest, callback: grpc.requestCallback<_drover_v1_ListBotEventsResponse__Output>): grpc.ClientUnaryCall;
  
  ListBotTasks(argument: _drover_v1_ListBotTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListBotTasks(argument: _drover_v1_ListBotTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListBotTasks(argument: _drover_v1_ListBotTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListBotTasks(argument: _drover_v1_ListBotTasksRequest, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listBotTasks(argument: _drover_v1_ListBotTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listBotTasks(argument: _drover_v1_ListBotTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listBotTasks(argument: _drover_v1_ListBotTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listBotTasks(argument: _drover_v1_ListBotTasksRequest, callback: grpc.requestCallback<_drover_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  
  ListBots(argument: _drover_v1_ListBotsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  ListBots(argument: _drover_v1_ListBotsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  ListBots(argument: _drover_v1_ListBotsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  ListBots(argument: _drover_v1_ListBotsRequest, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  listBots(argument: _drover_v1_ListBotsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  listBots(argument: _drover_v1_ListBotsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  listBots(argument: _drover_v1_ListBotsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  listBots(argument: _drover_v1_ListBotsRequest, callback: grpc.requestCallback<_drover_v1_ListBotsResponse__Output>): grpc.ClientUnaryCall;
  
  QuarantineBot(argument: _drover_v1_QuarantineBotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  QuarantineBot(argument: _drover_v1_QuarantineBotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  QuarantineBot(argument: _drover_v1_QuarantineBotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  QuarantineBot(argument: _drover_v1_QuarantineBotRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  quarantineBot(argument: _drover_v1_QuarantineBotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  quarantineBot(argument: _drover_v1_QuarantineBotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  quarantineBot(argument: _drover_v1_QuarantineBotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  quarantineBot(argument: _drover_v1_QuarantineBotRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  
  SetMaintenance(argument: _drover_v1_SetMaintenanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  SetMaintenance(argument: _drover_v1_SetMaintenanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  SetMaintenance(argument: _drover_v1_SetMaintenanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  SetMaintenance(argument: _drover_v1_SetMaintenanceRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  setMaintenance(argument: _drover_v1_SetMaintenanceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  setMaintenance(argument: _drover_v1_SetMaintenanceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  setMaintenance(argument: _drover_v1_SetMaintenanceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  setMaintenance(argument: _drover_v1_SetMaintenanceRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * Enqueues a priority-0 task pinned to id:<bot>; wait on the returned task id.
   */
  TerminateBot(argument: _drover_v1_TerminateBotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  TerminateBot(argument: _drover_v1_TerminateBotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  TerminateBot(argument: _drover_v1_TerminateBotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  TerminateBot(argument: _drover_v1_TerminateBotRequest, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Enqueues a priority-0 task pinned to id:<bot>; wait on the returned task id.
   */
  terminateBot(argument: _drover_v1_TerminateBotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  terminateBot(argument: _drover_v1_TerminateBotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  terminateBot(argument: _drover_v1_TerminateBotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  terminateBot(argument: _drover_v1_TerminateBotRequest, callback: grpc.requestCallback<_drover_v1_TerminateBotResponse__Output>): grpc.ClientUnaryCall;
  
  UnquarantineBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  UnquarantineBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  UnquarantineBot(argument: _drover_v1_BotIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  UnquarantineBot(argument: _drover_v1_BotIdRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  unquarantineBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  unquarantineBot(argument: _drover_v1_BotIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  unquarantineBot(argument: _drover_v1_BotIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  unquarantineBot(argument: _drover_v1_BotIdRequest, callback: grpc.requestCallback<_drover_v1_BotInfo__Output>): grpc.ClientUnaryCall;
  
}

export interface BotsHandlers extends grpc.UntypedServiceImplementation {
  CountBots: grpc.handleUnaryCall<_drover_v1_CountBotsRequest__Output, _drover_v1_CountBotsResponse>;
  
  /**
   * Forgets a bot; refused while it is connected unless force.
   */
  DeleteBot: grpc.handleUnaryCall<_drover_v1_DeleteBotRequest__Output, _drover_v1_DeleteBotResponse>;
  
  GetBot: grpc.handleUnaryCall<_drover_v1_BotIdRequest__Output, _drover_v1_BotInfo>;
  
  GetBotDimensions: grpc.handleUnaryCall<_drover_v1_GetBotDimensionsRequest__Output, _drover_v1_GetBotDimensionsResponse>;
  
  ListBotEvents: grpc.handleUnaryCall<_drover_v1_ListBotEventsRequest__Output, _drover_v1_ListBotEventsResponse>;
  
  ListBotTasks: grpc.handleUnaryCall<_drover_v1_ListBotTasksRequest__Output, _drover_v1_ListTasksResponse>;
  
  ListBots: grpc.handleUnaryCall<_drover_v1_ListBotsRequest__Output, _drover_v1_ListBotsResponse>;
  
  QuarantineBot: grpc.handleUnaryCall<_drover_v1_QuarantineBotRequest__Output, _drover_v1_BotInfo>;
  
  SetMaintenance: grpc.handleUnaryCall<_drover_v1_SetMaintenanceRequest__Output, _drover_v1_BotInfo>;
  
  /**
   * Enqueues a priority-0 task pinned to id:<bot>; wait on the returned task id.
   */
  TerminateBot: grpc.handleUnaryCall<_drover_v1_TerminateBotRequest__Output, _drover_v1_TerminateBotResponse>;
  
  UnquarantineBot: grpc.handleUnaryCall<_drover_v1_BotIdRequest__Output, _drover_v1_BotInfo>;
  
}

export interface BotsDefinition extends grpc.ServiceDefinition {
  CountBots: MethodDefinition<_drover_v1_CountBotsRequest, _drover_v1_CountBotsResponse, _drover_v1_CountBotsRequest__Output, _drover_v1_CountBotsResponse__Output>
  DeleteBot: MethodDefinition<_drover_v1_DeleteBotRequest, _drover_v1_DeleteBotResponse, _drover_v1_DeleteBotRequest__Output, _drover_v1_DeleteBotResponse__Output>
  GetBot: MethodDefinition<_drover_v1_BotIdRequest, _drover_v1_BotInfo, _drover_v1_BotIdRequest__Output, _drover_v1_BotInfo__Output>
  GetBotDimensions: MethodDefinition<_drover_v1_GetBotDimensionsRequest, _drover_v1_GetBotDimensionsResponse, _drover_v1_GetBotDimensionsRequest__Output, _drover_v1_GetBotDimensionsResponse__Output>
  ListBotEvents: MethodDefinition<_drover_v1_ListBotEventsRequest, _drover_v1_ListBotEventsResponse, _drover_v1_ListBotEventsRequest__Output, _drover_v1_ListBotEventsResponse__Output>
  ListBotTasks: MethodDefinition<_drover_v1_ListBotTasksRequest, _drover_v1_ListTasksResponse, _drover_v1_ListBotTasksRequest__Output, _drover_v1_ListTasksResponse__Output>
  ListBots: MethodDefinition<_drover_v1_ListBotsRequest, _drover_v1_ListBotsResponse, _drover_v1_ListBotsRequest__Output, _drover_v1_ListBotsResponse__Output>
  QuarantineBot: MethodDefinition<_drover_v1_QuarantineBotRequest, _drover_v1_BotInfo, _drover_v1_QuarantineBotRequest__Output, _drover_v1_BotInfo__Output>
  SetMaintenance: MethodDefinition<_drover_v1_SetMaintenanceRequest, _drover_v1_BotInfo, _drover_v1_SetMaintenanceRequest__Output, _drover_v1_BotInfo__Output>
  TerminateBot: MethodDefinition<_drover_v1_TerminateBotRequest, _drover_v1_TerminateBotResponse, _drover_v1_TerminateBotRequest__Output, _drover_v1_TerminateBotResponse__Output>
  UnquarantineBot: MethodDefinition<_drover_v1_BotIdRequest, _drover_v1_BotInfo, _drover_v1_BotIdRequest__Output, _drover_v1_BotInfo__Output>
}
