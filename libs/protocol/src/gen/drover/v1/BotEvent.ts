// Original file: proto/drover/v1/bots.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';

export interface BotEvent {
  'ts'?: (_google_protobuf_Timestamp | null);
  'bot_id'?: (string);
  /**
   * connected, disconnected, task_started, task_completed, quarantined, maintenance,
   * terminated, deleted, missing.
   */
  'event_type'?: (string);
  'message'?: (string);
  'task_id'?: (string);
  'dimensions'?: (_drover_v1_StringListPair)[];
}

export interface BotEvent__Output {
  'ts': (_google_protobuf_Timestamp__Output | null);
  'bot_id': (string);
  /**
   * connected, disconnected, task_started, task_completed, quarantined, maintenance,
   * terminated, deleted, missing.
   */
  'event_type': (string);
  'message': (string);
  'task_id': (string);
  'dimensions': (_drover_v1_StringListPair__Output)[];
}
