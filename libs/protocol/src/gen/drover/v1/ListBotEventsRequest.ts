// Original file: proto/drover/v1/bots.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface ListBotEventsRequest {
  'bot_id'?: (string);
  'start'?: (_google_protobuf_Timestamp | null);
  'end'?: (_google_protobuf_Timestamp | null);
  'limit'?: (number);
  'cursor'?: (string);
}

export interface ListBotEventsRequest__Output {
  'bot_id': (string);
  'start': (_google_protobuf_Timestamp__Output | null);
  'end': (_google_protobuf_Timestamp__Output | null);
  'limit': (number);
  'cursor': (string);
}
