// The generated message types the apps use, re-exported under short names. `X` is what a sender
// may pass; `X__Output` (exported here as `XOut`) is what a receiver gets, with defaults filled in.
export type { TaskState__Output as TaskStateWire } from './gen/drover/v1/TaskState';
export type { StateQuery__Output as StateQueryWire } from './gen/drover/v1/StateQuery';
export type { StringPair, StringPair__Output as StringPairOut } from './gen/drover/v1/StringPair';
export type {
  StringListPair,
  StringListPair__Output as StringListPairOut,
} from './gen/drover/v1/StringListPair';
export type {
  NewTaskRequest,
  NewTaskRequest__Output as NewTaskRequestOut,
} from './gen/drover/v1/NewTaskRequest';
export type {
  NewTaskResponse,
  NewTaskResponse__Output as NewTaskResponseOut,
} from './gen/drover/v1/NewTaskResponse';
export type {
  NewTasksRequest,
  NewTasksRequest__Output as NewTasksRequestOut,
} from './gen/drover/v1/NewTasksRequest';
export type {
  NewTasksResponse,
  NewTasksResponse__Output as NewTasksResponseOut,
} from './gen/drover/v1/NewTasksResponse';
export type {
  TaskRequest,
  TaskRequest__Output as TaskRequestOut,
} from './gen/drover/v1/TaskRequest';
export type { TaskResult, TaskResult__Output as TaskResultOut } from './gen/drover/v1/TaskResult';
export type { TaskSlice, TaskSlice__Output as TaskSliceOut } from './gen/drover/v1/TaskSlice';
export type {
  TaskProperties,
  TaskProperties__Output as TaskPropertiesOut,
} from './gen/drover/v1/TaskProperties';
export type { TaskOutput, TaskOutput__Output as TaskOutputOut } from './gen/drover/v1/TaskOutput';
export type { TaskNotify, TaskNotify__Output as TaskNotifyOut } from './gen/drover/v1/TaskNotify';
export type {
  TaskNotification,
  TaskNotification__Output as TaskNotificationOut,
} from './gen/drover/v1/TaskNotification';
export type { TaskChange, TaskChange__Output as TaskChangeOut } from './gen/drover/v1/TaskChange';
export type {
  WatchTasksRequest,
  WatchTasksRequest__Output as WatchTasksRequestOut,
} from './gen/drover/v1/WatchTasksRequest';
export type {
  CancelTaskResponse,
  CancelTaskResponse__Output as CancelTaskResponseOut,
} from './gen/drover/v1/CancelTaskResponse';
export type { TasksClient } from './gen/drover/v1/Tasks';
export type { BotsClient } from './gen/drover/v1/Bots';
export type { GraphClient } from './gen/drover/v1/Graph';
export type { BotApiClient } from './gen/drover/v1/BotApi';
export type { BotMessage, BotMessage__Output as BotMessageOut } from './gen/drover/v1/BotMessage';
export type {
  CoordinatorMessage,
  CoordinatorMessage__Output as CoordinatorMessageOut,
} from './gen/drover/v1/CoordinatorMessage';
export type { Hello, Hello__Output as HelloOut } from './gen/drover/v1/Hello';
export type { BotHealth, BotHealth__Output as BotHealthOut } from './gen/drover/v1/BotHealth';
export type {
  TaskManifest,
  TaskManifest__Output as TaskManifestOut,
} from './gen/drover/v1/TaskManifest';
export type {
  TaskFinished,
  TaskFinished__Output as TaskFinishedOut,
} from './gen/drover/v1/TaskFinished';
export type { Assign__Output as AssignOut } from './gen/drover/v1/Assign';
export type { Kill__Output as KillOut } from './gen/drover/v1/Kill';
export type { Ack__Output as AckOut } from './gen/drover/v1/Ack';
export type { Welcome__Output as WelcomeOut } from './gen/drover/v1/Welcome';
// Bot self-update (Update, BotApi.GetBotCode).
export type { Update__Output as UpdateOut } from './gen/drover/v1/Update';
export type {
  BotCodeChunk,
  BotCodeChunk__Output as BotCodeChunkOut,
} from './gen/drover/v1/BotCodeChunk';
export type {
  GetBotCodeRequest,
  GetBotCodeRequest__Output as GetBotCodeRequestOut,
} from './gen/drover/v1/GetBotCodeRequest';
export type { Timestamp, Timestamp__Output as TimestampOut } from './gen/google/protobuf/Timestamp';
// Service Graph (graph.proto).
export type { GraphData, GraphData__Output as GraphDataOut } from './gen/drover/v1/GraphData';
export type { Quest as QuestWire, Quest__Output as QuestWireOut } from './gen/drover/v1/Quest';
export type {
  _drover_v1_Quest_Desc as QuestDescWire,
  _drover_v1_Quest_Desc__Output as QuestDescWireOut,
} from './gen/drover/v1/Quest';
export type {
  Attempt as AttemptWire,
  Attempt__Output as AttemptWireOut,
} from './gen/drover/v1/Attempt';
export type {
  Execution as ExecutionWire,
  Execution__Output as ExecutionWireOut,
} from './gen/drover/v1/Execution';
export type {
  AttemptId as AttemptIdWire,
  AttemptId__Output as AttemptIdWireOut,
} from './gen/drover/v1/AttemptId';
export type {
  ExecutionAuth as ExecutionAuthWire,
  ExecutionAuth__Output as ExecutionAuthWireOut,
} from './gen/drover/v1/ExecutionAuth';
export type { JsonResult as JsonResultWire } from './gen/drover/v1/JsonResult';
export type { PartialFlags as PartialFlagsWire } from './gen/drover/v1/PartialFlags';
export type {
  EnsureGraphDataRequest,
  EnsureGraphDataRequest__Output as EnsureGraphDataRequestOut,
} from './gen/drover/v1/EnsureGraphDataRequest';
export type {
  EnsureGraphDataResponse,
  EnsureGraphDataResponse__Output as EnsureGraphDataResponseOut,
} from './gen/drover/v1/EnsureGraphDataResponse';
export type {
  ActivateExecutionRequest,
  ActivateExecutionRequest__Output as ActivateExecutionRequestOut,
} from './gen/drover/v1/ActivateExecutionRequest';
export type {
  FinishAttemptRequest,
  FinishAttemptRequest__Output as FinishAttemptRequestOut,
} from './gen/drover/v1/FinishAttemptRequest';
export type {
  WalkGraphRequest,
  WalkGraphRequest__Output as WalkGraphRequestOut,
  _drover_v1_WalkGraphRequest_Include__Output as WalkIncludeOut,
} from './gen/drover/v1/WalkGraphRequest';
// Named caches and output files.
export type { CacheEntry, CacheEntry__Output as CacheEntryOut } from './gen/drover/v1/CacheEntry';
export type { OutputFile, OutputFile__Output as OutputFileOut } from './gen/drover/v1/OutputFile';
export type {
  OutputChunk,
  OutputChunk__Output as OutputChunkOut,
} from './gen/drover/v1/OutputChunk';
export type {
  OutputFileChunk,
  OutputFileChunk__Output as OutputFileChunkOut,
} from './gen/drover/v1/OutputFileChunk';
export type {
  UploadOutputsResponse,
  UploadOutputsResponse__Output as UploadOutputsResponseOut,
} from './gen/drover/v1/UploadOutputsResponse';
export type { CacheInfo, CacheInfo__Output as CacheInfoOut } from './gen/drover/v1/CacheInfo';
export type { GetOutputRequest } from './gen/drover/v1/GetOutputRequest';
// Service Cas (cas.proto) and the Digest of common.proto.
export type { Digest, Digest__Output as DigestOut } from './gen/drover/v1/Digest';
export type { CasClient } from './gen/drover/v1/Cas';
export type {
  FindMissingRequest,
  FindMissingRequest__Output as FindMissingRequestOut,
} from './gen/drover/v1/FindMissingRequest';
export type {
  FindMissingResponse,
  FindMissingResponse__Output as FindMissingResponseOut,
} from './gen/drover/v1/FindMissingResponse';
export type {
  UploadChunk,
  UploadChunk__Output as UploadChunkOut,
} from './gen/drover/v1/UploadChunk';
export type {
  UploadResponse,
  UploadResponse__Output as UploadResponseOut,
} from './gen/drover/v1/UploadResponse';
export type {
  DownloadRequest,
  DownloadRequest__Output as DownloadRequestOut,
} from './gen/drover/v1/DownloadRequest';
export type {
  DownloadChunk,
  DownloadChunk__Output as DownloadChunkOut,
} from './gen/drover/v1/DownloadChunk';
// Service Access (access.proto): tokens, principals and bot groups managed live.
export type { AccessClient } from './gen/drover/v1/Access';
export type {
  AccessToken,
  AccessToken__Output as AccessTokenOut,
} from './gen/drover/v1/AccessToken';
export type {
  AccessPrincipal,
  AccessPrincipal__Output as AccessPrincipalOut,
} from './gen/drover/v1/AccessPrincipal';
export type {
  AccessBotGroup,
  AccessBotGroup__Output as AccessBotGroupOut,
} from './gen/drover/v1/AccessBotGroup';
export type { RoleList, RoleList__Output as RoleListOut } from './gen/drover/v1/RoleList';
export type {
  CreateTokenRequest,
  CreateTokenRequest__Output as CreateTokenRequestOut,
} from './gen/drover/v1/CreateTokenRequest';
export type {
  CreateTokenResponse,
  CreateTokenResponse__Output as CreateTokenResponseOut,
} from './gen/drover/v1/CreateTokenResponse';
export type {
  ListTokensRequest,
  ListTokensRequest__Output as ListTokensRequestOut,
} from './gen/drover/v1/ListTokensRequest';
export type {
  ListTokensResponse,
  ListTokensResponse__Output as ListTokensResponseOut,
} from './gen/drover/v1/ListTokensResponse';
export type {
  RevokeTokenRequest,
  RevokeTokenRequest__Output as RevokeTokenRequestOut,
} from './gen/drover/v1/RevokeTokenRequest';
export type {
  DeleteAccessRequest,
  DeleteAccessRequest__Output as DeleteAccessRequestOut,
} from './gen/drover/v1/DeleteAccessRequest';
export type {
  DeleteAccessResponse,
  DeleteAccessResponse__Output as DeleteAccessResponseOut,
} from './gen/drover/v1/DeleteAccessResponse';
export type {
  ListPrincipalsResponse,
  ListPrincipalsResponse__Output as ListPrincipalsResponseOut,
} from './gen/drover/v1/ListPrincipalsResponse';
export type {
  ListBotGroupsResponse,
  ListBotGroupsResponse__Output as ListBotGroupsResponseOut,
} from './gen/drover/v1/ListBotGroupsResponse';
// The audit log (Access.ListAudit).
export type { AuditEntry, AuditEntry__Output as AuditEntryOut } from './gen/drover/v1/AuditEntry';
export type {
  ListAuditRequest,
  ListAuditRequest__Output as ListAuditRequestOut,
} from './gen/drover/v1/ListAuditRequest';
export type {
  ListAuditResponse,
  ListAuditResponse__Output as ListAuditResponseOut,
} from './gen/drover/v1/ListAuditResponse';
