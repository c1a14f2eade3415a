// Original file: proto/drover/v1/cas.proto

import type { Digest as _drover_v1_Digest, Digest__Output as _drover_v1_Digest__Output } from '../../drover/v1/Digest';
import type { Long } from '@grpc/proto-loader';

export interface UploadChunk {
  /**
   * The blob this chunk belongs to (every chunk carries it).
   */
  'digest'?: (_drover_v1_Digest | null);
  /**
   * Where in the blob the data goes; chunks come in order, without gaps.
   */
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface UploadChunk__Output {
  /**
   * The blob this chunk belongs to (every chunk carries it).
   */
  'digest': (_drover_v1_Digest__Output | null);
  /**
   * Where in the blob the data goes; chunks come in order, without gaps.
   */
  'offset': (number);
  'data': (Buffer);
}
