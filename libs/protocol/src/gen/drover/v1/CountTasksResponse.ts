// Original file: proto/drover/v1/tasks.proto

import type { Long } from '@grpc/proto-loader';

export interface CountTasksResponse {
  'count'?: (number | string | Long);
}

export interface CountTasksResponse__Output {
  'count': (number);
}
