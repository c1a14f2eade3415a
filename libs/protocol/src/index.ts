export {
  CLIENT_CHANNEL_OPTIONS,
  LOADER_OPTIONS,
  PROTO_DIR,
  PROTO_FILES,
  SERVER_OPTIONS,
  loadDroverPackageDefinition,
  loadDroverProto,
  loadProtoDefinition,
  type DroverProto,
} from './load';
export { msToTimestamp, timestampToJson, timestampToMs } from './timestamps';
export {
  DroverError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
} from './errors';
export * from './wire-types';
export { PARENT_TAG_KEY, TASK_LIMITS, validateNewTask } from './validate-new-task';
export { AUTOMATIC_TAG_KEYS, withAutomaticTags } from './automatic-tags';
export { taskToResult, taskToRequest } from './task-to-wire';
export { CACHE_NAME, MAX_CACHES, validateCaches } from './validate-caches';
export {
  ACCESS_LIMITS,
  DEFAULT_FIELD_LIMITS,
  DEFAULT_REQUEST_MAX_BYTES,
  MAX_ARGV_ENV_BYTES,
  MAX_BOT_DIMENSION_VALUES,
  MAX_BOT_HEALTH_CACHES,
  MAX_CAS_CHUNK_BYTES,
  MAX_CAS_FIND_MISSING,
  MAX_CAS_UPLOAD_BLOBS,
  MAX_NEW_TASKS,
  MAX_OUTPUT_CHUNK_BYTES,
  MAX_REQUEST_BYTES,
  MAX_SECRET_BYTES,
  MAX_USER_CHARS,
  PROPERTIES_LIMITS,
  REQUEST_LIMITS,
  REQUEST_MAX_BYTES,
  findLimitViolation,
  requestMaxBytes,
  type FieldLimit,
  type LimitViolation,
} from './request-limits';
export { BEYOND_SAFE_INTEGER, scanRequest } from './request-scan';
export { stateQueryFilter } from './state-query';
export { TOKEN_HASH, hashToken, newToken, type TokenKind } from './tokens';
export {
  BOT_CODE_MAGIC,
  botCodeVersion,
  packBotCode,
  sha256Hex,
  unpackBotCode,
  type BotCodeContents,
  type BotCodeFile,
  type UnpackOutcome,
} from './bot-code-pack';
export {
  AUTH_ROLES,
  BOT_ID_GLOB,
  EVERY_POOL,
  authConfigFileForm,
  botGroupFileForm,
  checkAuthConfig,
  matchesBotIdGlobs,
  principalFileForm,
  type AuthConfig,
  type AuthConfigCheck,
  type AuthRole,
  type BotGroupEntry,
  type PrincipalEntry,
} from './auth-config';
export {
  buildInfo,
  isReleaseBuild,
  isSingleExecutable,
  versionLine,
  type BuildInfo,
} from './build-info';
export { PARENT_FD_ENV, watchParent, type ParentWatch } from './parent-watch';
export { traceHop, traceNowMs, traceOn } from './hop-trace';
export { quietTlsIpServernameWarning } from './tls-ip-warning';
export { droverProtoJson, droverProtobufRoot } from './proto-json';
export {
  CANONICAL_JSON_OPTIONS,
  canonicalJson,
  type JsonObject,
  type JsonValue,
} from './canonical-json';
export { FILE_DESCRIPTOR_PROTOS } from './gen/file-descriptors';
export { lightPackageDefinition } from './light-definition';
export { formatBytes, parseByteSize } from './byte-size';
// protobuf-es (Connect protocol): every generated schema and type under `es` (es.TaskResultSchema,
// es.TaskResult), the services also by name. The proto-loader types above keep the bare names.
export * as es from './es';
export { BotApi as esBotApi, Bots as esBots, Graph as esGraph, Tasks as esTasks } from './es';
export {
  BLOB_HASH,
  TREE_LIMITS,
  badTreePath,
  parseTree,
  symlinkLanding,
  treeBlob,
  treeProblems,
  treeText,
  type Tree,
  type TreeFile,
  type TreeSymlink,
} from './cas-tree';
