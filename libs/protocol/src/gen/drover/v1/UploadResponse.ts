// Original file: proto/drover/v1/cas.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadResponse {
  /**
   * Blobs stored by this call.
   */
  'stored'?: (number);
  /**
   * Blobs the CAS already held.
   */
  'existed'?: (number);
  /**
   * Bytes received.
   */
  'bytes'?: (number | string | Long);
}

export interface UploadResponse__Output {
  /**
   * Blobs stored by this call.
   */
  'stored': (number);
  /**
   * Blobs the CAS already held.
   */
  'existed': (number);
  /**
   * Bytes received.
   */
  'bytes': (number);
}
