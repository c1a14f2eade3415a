// Original file: proto/drover/v1/access.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface ListAuditRequest {
  'since'?: (_google_protobuf_Timestamp | null);
  'until'?: (_google_protobuf_Timestamp | null);
  'principal'?: (string);
  /**
   * An action or a prefix ending in `.` (tasks.).
   */
  'action'?: (string);
  /**
   * At most 1000; 0 = 100.
   */
  'limit'?: (number);
  /**
   * next_cursor of the previous page.
   */
  'cursor'?: (string);
}

export interface ListAuditRequest__Output {
  'since': (_google_protobuf_Timestamp__Output | null);
  'until': (_google_protobuf_Timestamp__Output | null);
  'principal': (string);
  /**
   * An action or a prefix ending in `.` (tasks.).
   */
  'action': (string);
  /**
   * At most 1000; 0 = 100.
   */
  'limit': (number);
  /**
   * next_cursor of the previous page.
   */
  'cursor': (string);
}
