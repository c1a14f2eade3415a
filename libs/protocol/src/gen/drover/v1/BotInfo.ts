// Original file: proto/drover/v1/bots.proto

import type { StringListPair as _drover_v1_StringListPair, StringListPair__Output as _drover_v1_StringListPair__Output } from '../../drover/v1/StringListPair';
import type { BotHealth as _drover_v1_BotHealth, BotHealth__Output as _drover_v1_BotHealth__Output } from '../../drover/v1/BotHealth';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface BotInfo {
  'bot_id'?: (string);
  'dimensions'?: (_drover_v1_StringListPair)[];
  'state'?: (_drover_v1_BotHealth | null);
  'version'?: (string);
  'is_dead'?: (boolean);
  'connected'?: (boolean);
  'quarantined'?: (boolean);
  'quarantined_reason'?: (string);
  'in_maintenance'?: (boolean);
  'maintenance_msg'?: (string);
  'task_id'?: (string);
  'task_name'?: (string);
  'first_seen_ts'?: (_google_protobuf_Timestamp | null);
  'last_seen_ts'?: (_google_protobuf_Timestamp | null);
  'session_id'?: (string);
}

export interface BotInfo__Output {
  'bot_id': (string);
  'dimensions': (_drover_v1_StringListPair__Output)[];
  'state': (_drover_v1_BotHealth__Output | null);
  'version': (string);
  'is_dead': (boolean);
  'connected': (boolean);
  'quarantined': (boolean);
  'quarantined_reason': (string);
  'in_maintenance': (boolean);
  'maintenance_msg': (string);
  'task_id': (string);
  'task_name': (string);
  'first_seen_ts': (_google_protobuf_Timestamp__Output | null);
  'last_seen_ts': (_google_protobuf_Timestamp__Output | null);
  'session_id': (string);
}
