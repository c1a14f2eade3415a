// Original file: proto/drover/v1/graph.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface JsonResult {
  /**
   * Exactly one JSON object, canonical (sorted keys, no whitespace); empty when withheld.
   */
  'object'?: (string);
  /**
   * Bytes of the normalized object, always reported.
   */
  'size'?: (number);
  'expiration'?: (_google_protobuf_Timestamp | null);
}

export interface JsonResult__Output {
  /**
   * Exactly one JSON object, canonical (sorted keys, no whitespace); empty when withheld.
   */
  'object': (string);
  /**
   * Bytes of the normalized object, always reported.
   */
  'size': (number);
  'expiration': (_google_protobuf_Timestamp__Output | null);
}
