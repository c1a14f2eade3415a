// Original file: proto/drover/v1/tasks.proto

import type { Long } from '@grpc/proto-loader';

export interface OutputChunk {
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  /**
   * The whole file's size and SHA-256 (hex), on every chunk.
   */
  'size'?: (number | string | Long);
  'digest'?: (string);
}

export interface OutputChunk__Output {
  'offset': (number);
  'data': (Buffer);
  /**
   * The whole file's size and SHA-256 (hex), on every chunk.
   */
  'size': (number);
  'digest': (string);
}
