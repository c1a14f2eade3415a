// The JSON views of the Tasks and Bots messages the CLI's `--json` prints: each one is the
// message in the proto3 canonical JSON mapping, written by `canonicalJson` (@drover/protocol), the
// same shape as the HTTP API, the dashboard and webhooks (docs/json.md). Proto field names
// (`task_id`), 64-bit integers as strings (`"output_size": "12"`), enums by name, timestamps RFC
// 3339, bytes base64; implicit-presence fields always present, unset messages and unset
// `optional` fields (a timestamp not reached yet, `exit_code` before the process ended) omitted.
import { canonicalJson, type JsonObject } from '@drover/protocol';
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
  CancelTaskResponseOut,
  NewTaskResponseOut,
  TaskChangeOut,
  TaskOutputOut,
  TaskRequestOut,
  TaskResultOut,
} from '@drover/protocol';

export type { JsonObject, JsonValue } from '@drover/protocol';

/** The canonical JSON of a TaskResult. */
export const resultToJson = (result: TaskResultOut): JsonObject =>
  canonicalJson('TaskResult', result);

/** The canonical JSON of a TaskChange (WatchTasks). */
export const taskChangeToJson = (change: TaskChangeOut): JsonObject =>
  canonicalJson('TaskChange', change);

/** The canonical JSON of a TaskRequest. */
export const requestToJson = (request: TaskRequestOut): JsonObject =>
  canonicalJson('TaskRequest', request);

/** The canonical JSON of a NewTaskResponse. */
export const newTaskResponseToJson = (response: NewTaskResponseOut): JsonObject =>
  canonicalJson('NewTaskResponse', response);

/** The canonical JSON of a CancelTaskResponse. */
export const cancelResponseToJson = (response: CancelTaskResponseOut): JsonObject =>
  canonicalJson('CancelTaskResponse', response);

/** The canonical JSON of a TaskOutput chunk (`output` base64, `offset` and `size` strings). */
export const outputToJson = (chunk: TaskOutputOut): JsonObject =>
  canonicalJson('TaskOutput', chunk);

/** The canonical JSON of a BotInfo. */
export const botToJson = (bot: BotInfoOut): JsonObject => canonicalJson('BotInfo', bot);

/** The canonical JSON of a CountTasksResponse: `{"count": "12"}`, as countBotsToJson's `count`. */
export const countTasksToJson = (counts: CountTasksResponseOut): JsonObject =>
  canonicalJson('CountTasksResponse', counts);

/** The canonical JSON of a CountBotsResponse (every count a string). */
export const countBotsToJson = (counts: CountBotsResponseOut): JsonObject =>
  canonicalJson('CountBotsResponse', counts);

/** The canonical JSON of a BotEvent. */
export const botEventToJson = (event: BotEventOut): JsonObject => canonicalJson('BotEvent', event);

/** The canonical JSON of a GetBotDimensionsResponse. */
export const botDimensionsToJson = (response: GetBotDimensionsResponseOut): JsonObject =>
  canonicalJson('GetBotDimensionsResponse', response);

/** The canonical JSON of a TerminateBotResponse. */
export const terminateBotToJson = (response: TerminateBotResponseOut): JsonObject =>
  canonicalJson('TerminateBotResponse', response);

/** The canonical JSON of a DeleteBotResponse. */
export const deleteBotToJson = (response: DeleteBotResponseOut): JsonObject =>
  canonicalJson('DeleteBotResponse', response);
