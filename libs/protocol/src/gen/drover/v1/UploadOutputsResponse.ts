// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadOutputsResponse {
  /**
   * Files stored (verified) by this call.
   */
  'files'?: (number);
  'bytes'?: (number | string | Long);
}

export interface UploadOutputsResponse__Output {
  /**
   * Files stored (verified) by this call.
   */
  'files': (number);
  'bytes': (number);
}
