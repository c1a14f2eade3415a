// Original file: proto/drover/v1/tasks.proto

import type { Long } from '@grpc/proto-loader';

export interface StreamOutputRequest {
  'task_id'?: (string);
  'offset'?: (number | string | Long);
}

export interface StreamOutputRequest__Output {
  'task_id': (string);
  'offset': (number);
}
