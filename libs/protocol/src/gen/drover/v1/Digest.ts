// Original file: proto/drover/v1/common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A blob of the content-addressed storage (service Cas): its SHA-256 and its size. Task inputs
 * (TaskProperties.cas_input_root, a tree) and outputs are stored by it.
 */
export interface Digest {
  /**
   * The SHA-256 of the blob's bytes, 64 lowercase hex characters.
   */
  'hash'?: (string);
  /**
   * The blob's size in bytes.
   */
  'size_bytes'?: (number | string | Long);
}

/**
 * A blob of the content-addressed storage (service Cas): its SHA-256 and its size. Task inputs
 * (TaskProperties.cas_input_root, a tree) and outputs are stored by it.
 */
export interface Digest__Output {
  /**
   * The SHA-256 of the blob's bytes, 64 lowercase hex characters.
   */
  'hash': (string);
  /**
   * The blob's size in bytes.
   */
  'size_bytes': (number);
}
