// Original file: proto/drover/v1/access.proto

import type { DimensionValues as _drover_v1_DimensionValues, DimensionValues__Output as _drover_v1_DimensionValues__Output } from '../../drover/v1/DimensionValues';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface AccessBotGroup {
  'name'?: (string);
  /**
   * Glob patterns (`*` only) a bot id must match; empty = any id.
   */
  'bot_ids'?: (string)[];
  /**
   * Dimensions forced on the group's bots over what they claim (at least pool), e.g. pool → [ci].
   */
  'dimensions'?: (_drover_v1_DimensionValues)[];
  'description'?: (string);
  /**
   * Output only.
   */
  'read_only'?: (boolean);
  'updated'?: (_google_protobuf_Timestamp | null);
  'updated_by'?: (string);
}

export interface AccessBotGroup__Output {
  'name': (string);
  /**
   * Glob patterns (`*` only) a bot id must match; empty = any id.
   */
  'bot_ids': (string)[];
  /**
   * Dimensions forced on the group's bots over what they claim (at least pool), e.g. pool → [ci].
   */
  'dimensions': (_drover_v1_DimensionValues__Output)[];
  'description': (string);
  /**
   * Output only.
   */
  'read_only': (boolean);
  'updated': (_google_protobuf_Timestamp__Output | null);
  'updated_by': (string);
}
