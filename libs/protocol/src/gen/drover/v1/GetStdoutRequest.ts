// Original file: proto/drover/v1/tasks.proto

import type { Long } from '@grpc/proto-loader';

export interface GetStdoutRequest {
  'task_id'?: (string);
  'offset'?: (number | string | Long);
  /**
   * 0 = up to the end (at most 16 MiB per call).
   */
  'length'?: (number | string | Long);
}

export interface GetStdoutRequest__Output {
  'task_id': (string);
  'offset': (number);
  /**
   * 0 = up to the end (at most 16 MiB per call).
   */
  'length': (number);
}
