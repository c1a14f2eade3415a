// Original file: proto/drover/v1/bots.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Counts are int64, as CountTasksResponse.count (int32 and int64 are the same varint on the wire).
 */
export interface CountBotsResponse {
  'count'?: (number | string | Long);
  'busy'?: (number | string | Long);
  'quarantined'?: (number | string | Long);
  'maintenance'?: (number | string | Long);
  'dead'?: (number | string | Long);
}

/**
 * Counts are int64, as CountTasksResponse.count (int32 and int64 are the same varint on the wire).
 */
export interface CountBotsResponse__Output {
  'count': (number);
  'busy': (number);
  'quarantined': (number);
  'maintenance': (number);
  'dead': (number);
}
