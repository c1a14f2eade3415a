export {
  createDroverClient,
  DEFAULT_SERVER,
  type DroverClient,
  type DroverClientOptions,
} from './client';
export type { CallOptions } from './call';
/** The most tasks one `newTasks` call creates. */
export { MAX_NEW_TASKS } from '@drover/protocol';
export {
  collect,
  followOutput,
  run,
  submitAll,
  type CollectOptions,
  type RunOptions,
  type RunOutcome,
} from './collect';
export { DroverClientError, fieldFromDetails, statusName } from './errors';
/** The gRPC status codes, as `DroverClientError.code` carries them. */
export { status as GrpcStatus } from '@grpc/grpc-js';
export { TERMINAL_STATES, isTerminalState } from './states';
export {
  botDimensionsToJson,
  botEventToJson,
  botToJson,
  cancelResponseToJson,
  deleteBotToJson,
  terminateBotToJson,
  countBotsToJson,
  countTasksToJson,
  newTaskResponseToJson,
  outputToJson,
  requestToJson,
  resultToJson,
  taskChangeToJson,
  type JsonObject,
  type JsonValue,
} from './json';
export type {
  BatchGetResultResponseOut,
  BotEventOut,
  BotInfoOut,
  DeleteBotResponseOut,
  GetBotDimensionsResponseOut,
  ListBotEventsRequest,
  ListBotEventsResponseOut,
  ListBotTasksRequest,
  TerminateBotResponseOut,
  CountBotsRequest,
  CountBotsResponseOut,
  ListBotsRequest,
  ListBotsResponseOut,
  CancelTasksRequest,
  CancelTasksResponseOut,
  CountTasksRequest,
  CountTasksResponseOut,
  ListTasksRequest,
  ListTasksResponseOut,
} from './types';
export type {
  CancelTaskResponseOut,
  NewTaskRequest,
  NewTaskResponseOut,
  TaskChangeOut,
  TaskOutputOut,
  TaskRequestOut,
  TaskResultOut,
  TaskStateWire,
  WatchTasksRequest,
} from '@drover/protocol';
