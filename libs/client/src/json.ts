// Proto3 JSON views of the Tasks and Bots messages, with proto field names (`task_id`, not `taskId`).
// Enums are their names, timestamps RFC 3339 strings. Departures from canonical proto3 JSON, for
// people and `jq`: 64-bit integers are JSON numbers (proto3 JSON parsers accept both), scalar
// fields are always present (`"failure": false`), and unset messages and unset `optional` fields
// (a timestamp not reached yet, `exit_code` before the process ended) are omitted.
import { timestampToJson } from '@drover/protocol';
import type {
  BotEventOut,
  BotInfoOut,
  CountBotsResponseOut,
  CountTasksResponseOut,
  DeleteBotResponseOut,
  GetBotDimensionsResponseOut,
  TerminateBotResponseOut,
} from './types';
import type {
  BotHealthOut,
  CancelTaskResponseOut,
  NewTaskResponseOut,
  StringListPairOut,
  StringPairOut,
  TaskChangeOut,
  TaskOutputOut,
  TaskPropertiesOut,
  TaskRequestOut,
  TaskResultOut,
  TaskSliceOut,
  TimestampOut,
} from '@drover/protocol';

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

function putTimestamp(into: JsonObject, key: string, ts: TimestampOut | null | undefined): void {
  const text = timestampToJson(ts);
  if (text !== null) into[key] = text;
}

function putOptional(into: JsonObject, key: string, value: number | undefined): void {
  if (value !== undefined && value !== null) into[key] = value;
}

const pairs = (items: StringPairOut[]): JsonValue =>
  items.map((p) => ({ key: p.key, value: p.value }));
const listPairs = (items: StringListPairOut[]): JsonValue =>
  items.map((p) => ({ key: p.key, value: [...p.value] }));

/** The JSON view of a TaskResult. */
export function resultToJson(result: TaskResultOut): JsonObject {
  const json: JsonObject = {
    task_id: result.task_id,
    name: result.name,
    state: result.state,
    current_task_slice: result.current_task_slice,
    bot_id: result.bot_id,
    bot_dimensions: listPairs(result.bot_dimensions),
  };
  putOptional(json, 'exit_code', result.exit_code);
  json.duration = result.duration;
  putTimestamp(json, 'created_ts', result.created_ts);
  putTimestamp(json, 'started_ts', result.started_ts);
  putTimestamp(json, 'completed_ts', result.completed_ts);
  putTimestamp(json, 'abandoned_ts', result.abandoned_ts);
  putTimestamp(json, 'modified_ts', result.modified_ts);
  Object.assign(json, {
    failure: result.failure,
    internal_failure: result.internal_failure,
    deduped_from: result.deduped_from,
    output_size: result.output_size,
    tags: [...result.tags],
    priority: result.priority,
    user: result.user,
    summary: result.summary,
    parent_task_id: result.parent_task_id,
  });
  // Output files: only when the task recorded some, or says they are incomplete.
  if (result.outputs.length > 0 || result.outputs_truncated) {
    json.outputs = result.outputs.map((f) => ({ path: f.path, size: f.size, digest: f.digest }));
    json.outputs_truncated = result.outputs_truncated;
  }
  return json;
}

/** The JSON view of a TaskChange (WatchTasks). */
export function taskChangeToJson(change: TaskChangeOut): JsonObject {
  const json: JsonObject = {
    task_id: change.task_id,
    state: change.state,
    previous_state: change.previous_state,
  };
  if (change.result) json.result = resultToJson(change.result);
  return json;
}

function propertiesToJson(p: TaskPropertiesOut): JsonObject {
  const json: JsonObject = {
    command: [...p.command],
    env: pairs(p.env),
    env_prefixes: listPairs(p.env_prefixes),
    relative_cwd: p.relative_cwd,
    dimensions: pairs(p.dimensions),
  };
  putOptional(json, 'execution_timeout_secs', p.execution_timeout_secs);
  putOptional(json, 'io_timeout_secs', p.io_timeout_secs);
  putOptional(json, 'grace_period_secs', p.grace_period_secs);
  json.idempotent = p.idempotent;
  if (p.caches.length > 0) json.caches = p.caches.map((c) => ({ name: c.name, path: c.path }));
  putOptional(json, 'memory_limit_bytes', p.memory_limit_bytes);
  putOptional(json, 'pids_limit', p.pids_limit);
  putOptional(json, 'cpu_weight', p.cpu_weight);
  putOptional(json, 'bot_ping_tolerance_secs', p.bot_ping_tolerance_secs);
  return json;
}

function sliceToJson(slice: TaskSliceOut): JsonObject {
  const json: JsonObject = {};
  if (slice.properties) json.properties = propertiesToJson(slice.properties);
  putOptional(json, 'expiration_secs', slice.expiration_secs);
  json.wait_for_capacity = slice.wait_for_capacity;
  return json;
}

/** The JSON view of a TaskRequest. */
export function requestToJson(request: TaskRequestOut): JsonObject {
  const json: JsonObject = {
    task_id: request.task_id,
    name: request.name,
    priority: request.priority,
    tags: [...request.tags],
    user: request.user,
    request_uuid: request.request_uuid,
    task_slices: request.task_slices.map(sliceToJson),
  };
  putTimestamp(json, 'created_ts', request.created_ts);
  json.authenticated = request.authenticated;
  json.parent_task_id = request.parent_task_id;
  if (request.notify) json.notify = { url: request.notify.url, userdata: request.notify.userdata };
  return json;
}

/** The JSON view of a NewTaskResponse. */
export function newTaskResponseToJson(response: NewTaskResponseOut): JsonObject {
  const json: JsonObject = { task_id: response.task_id };
  if (response.request) json.request = requestToJson(response.request);
  if (response.result) json.result = resultToJson(response.result);
  return json;
}

/** The JSON view of a CancelTaskResponse. */
export function cancelResponseToJson(response: CancelTaskResponseOut): JsonObject {
  return { canceled: response.canceled, was_running: response.was_running, state: response.state };
}

/** The JSON view of a TaskOutput chunk; `output` is base64, as proto3 JSON writes bytes. */
export function outputToJson(chunk: TaskOutputOut): JsonObject {
  return {
    offset: chunk.offset,
    output: chunk.output.toString('base64'),
    state: chunk.state,
    size: chunk.size,
  };
}

function healthToJson(health: BotHealthOut): JsonObject {
  return {
    cpu_load: health.cpu_load,
    free_disk_bytes: health.free_disk_bytes,
    uptime_secs: health.uptime_secs,
    running_task_id: health.running_task_id,
    quarantined_reason: health.quarantined_reason,
  };
}

/** The JSON view of a BotInfo. */
export function botToJson(bot: BotInfoOut): JsonObject {
  const json: JsonObject = { bot_id: bot.bot_id, dimensions: listPairs(bot.dimensions) };
  if (bot.state) json.state = healthToJson(bot.state);
  Object.assign(json, {
    version: bot.version,
    is_dead: bot.is_dead,
    connected: bot.connected,
    quarantined: bot.quarantined,
    quarantined_reason: bot.quarantined_reason,
    in_maintenance: bot.in_maintenance,
    maintenance_msg: bot.maintenance_msg,
    task_id: bot.task_id,
    task_name: bot.task_name,
  });
  putTimestamp(json, 'first_seen_ts', bot.first_seen_ts);
  putTimestamp(json, 'last_seen_ts', bot.last_seen_ts);
  json.session_id = bot.session_id;
  return json;
}

/** The JSON view of a CountTasksResponse: `{"count": N}`, as countBotsToJson's `count`. */
export function countTasksToJson(counts: CountTasksResponseOut): JsonObject {
  return { count: counts.count };
}

/** The JSON view of a CountBotsResponse. */
export function countBotsToJson(counts: CountBotsResponseOut): JsonObject {
  return {
    count: counts.count,
    busy: counts.busy,
    quarantined: counts.quarantined,
    maintenance: counts.maintenance,
    dead: counts.dead,
  };
}

/** The JSON view of a BotEvent. */
export function botEventToJson(event: BotEventOut): JsonObject {
  const json: JsonObject = {};
  putTimestamp(json, 'ts', event.ts);
  Object.assign(json, {
    bot_id: event.bot_id,
    event_type: event.event_type,
    message: event.message,
    task_id: event.task_id,
    dimensions: listPairs(event.dimensions),
  });
  return json;
}

/** The JSON view of a GetBotDimensionsResponse. */
export function botDimensionsToJson(response: GetBotDimensionsResponseOut): JsonObject {
  return { bots_dimensions: listPairs(response.bots_dimensions) };
}

/** The JSON view of a TerminateBotResponse. */
export function terminateBotToJson(response: TerminateBotResponseOut): JsonObject {
  return { task_id: response.task_id };
}

/** The JSON view of a DeleteBotResponse. */
export function deleteBotToJson(response: DeleteBotResponseOut): JsonObject {
  return { deleted: response.deleted };
}
