// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A piece of one output file (UploadOutputs).
 */
export interface OutputFileChunk {
  'bot_id'?: (string);
  'task_id'?: (string);
  'lease_id'?: (string);
  /**
   * Relative to DROVER_OUTDIR, `/`-separated.
   */
  'path'?: (string);
  'offset'?: (number | string | Long);
  /**
   * At most 1048576 bytes.
   */
  'data'?: (Buffer | Uint8Array | string);
  /**
   * The whole file's size and SHA-256 (lower-case hex), on every chunk.
   */
  'size'?: (number | string | Long);
  'digest'?: (string);
}

/**
 * A piece of one output file (UploadOutputs).
 */
export interface OutputFileChunk__Output {
  'bot_id': (string);
  'task_id': (string);
  'lease_id': (string);
  /**
   * Relative to DROVER_OUTDIR, `/`-separated.
   */
  'path': (string);
  'offset': (number);
  /**
   * At most 1048576 bytes.
   */
  'data': (Buffer);
  /**
   * The whole file's size and SHA-256 (lower-case hex), on every chunk.
   */
  'size': (number);
  'digest': (string);
}
