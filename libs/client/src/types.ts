// Request and response types of the Tasks and Bots services that @drover/protocol does not re-export under
// a short name, derived from the generated TasksClient and BotsClient so that they can never drift from it.
import type * as grpc from '@grpc/grpc-js';
import type { BotsClient, TasksClient } from '@drover/protocol';

type UnaryMethod = 'listTasks' | 'countTasks' | 'cancelTasks' | 'batchGetResult';

/** What a sender may pass to unary method K (the last overload is `(argument, callback)`). */
type RequestOf<K extends UnaryMethod> = Parameters<TasksClient[K]>[0];
/** What a receiver gets back from unary method K. */
type ResponseOf<K extends UnaryMethod> =
  Parameters<TasksClient[K]>[1] extends grpc.requestCallback<infer R> ? R : never;

export type ListTasksRequest = RequestOf<'listTasks'>;
export type ListTasksResponseOut = ResponseOf<'listTasks'>;
export type CountTasksRequest = RequestOf<'countTasks'>;
export type CountTasksResponseOut = ResponseOf<'countTasks'>;
export type CancelTasksRequest = RequestOf<'cancelTasks'>;
export type CancelTasksResponseOut = ResponseOf<'cancelTasks'>;
export type BatchGetResultResponseOut = ResponseOf<'batchGetResult'>;

type BotsUnaryMethod =
  | 'listBots'
  | 'countBots'
  | 'getBot'
  | 'getBotDimensions'
  | 'listBotEvents'
  | 'listBotTasks'
  | 'terminateBot'
  | 'deleteBot';
type BotsRequestOf<K extends BotsUnaryMethod> = Parameters<BotsClient[K]>[0];
type BotsResponseOf<K extends BotsUnaryMethod> =
  Parameters<BotsClient[K]>[1] extends grpc.requestCallback<infer R> ? R : never;

export type ListBotsRequest = BotsRequestOf<'listBots'>;
export type ListBotsResponseOut = BotsResponseOf<'listBots'>;
export type CountBotsRequest = BotsRequestOf<'countBots'>;
export type CountBotsResponseOut = BotsResponseOf<'countBots'>;
export type BotInfoOut = BotsResponseOf<'getBot'>;
export type GetBotDimensionsResponseOut = BotsResponseOf<'getBotDimensions'>;
export type ListBotEventsRequest = BotsRequestOf<'listBotEvents'>;
export type ListBotEventsResponseOut = BotsResponseOf<'listBotEvents'>;
export type BotEventOut = ListBotEventsResponseOut['items'][number];
export type ListBotTasksRequest = BotsRequestOf<'listBotTasks'>;
export type TerminateBotResponseOut = BotsResponseOf<'terminateBot'>;
export type DeleteBotResponseOut = BotsResponseOf<'deleteBot'>;
