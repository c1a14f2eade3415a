// Original file: proto/drover/v1/cas.proto

import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from '../../drover/v1/Digest';
import type { Long } from '@grpc/proto-loader';

export interface DownloadRequest {
  'digest'?: (_drover_v1_Digest | null);
  'offset'?: (number | string | Long);
  /**
   * 0 = to the end.
   */
  'limit'?: (number | string | Long);
}

export interface DownloadRequest__Output {
  'digest': (_drover_v1_Digest__Output | null);
  'offset': (number);
  /**
   * 0 = to the end.
   */
  'limit': (number);
}
