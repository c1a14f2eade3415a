// Original file: proto/drover/v1/bots.proto

import type { StateQuery as _drover_v1_StateQuery, StateQuery__Output as _drover_v1_StateQuery__Output } from '../../drover/v1/StateQuery';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface ListBotTasksRequest {
  'bot_id'?: (string);
  'state'?: (_drover_v1_StateQuery);
  'start'?: (_google_protobuf_Timestamp | null);
  'end'?: (_google_protobuf_Timestamp | null);
  'limit'?: (number);
  'cursor'?: (string);
}

export interface ListBotTasksRequest__Output {
  'bot_id': (string);
  'state': (_drover_v1_StateQuery__Output);
  'start': (_google_protobuf_Timestamp__Output | null);
  'end': (_google_protobuf_Timestamp__Output | null);
  'limit': (number);
  'cursor': (string);
}
