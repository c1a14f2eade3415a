// Original file: proto/drover/v1/common.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A file a task left in DROVER_OUTDIR, stored on the coordinator by content.
 */
export interface OutputFile {
  /**
   * Relative to DROVER_OUTDIR, `/`-separated.
   */
  'path'?: (string);
  'size'?: (number | string | Long);
  /**
   * SHA-256 of the content, lower-case hex.
   */
  'digest'?: (string);
}

/**
 * A file a task left in DROVER_OUTDIR, stored on the coordinator by content.
 */
export interface OutputFile__Output {
  /**
   * Relative to DROVER_OUTDIR, `/`-separated.
   */
  'path': (string);
  'size': (number);
  /**
   * SHA-256 of the content, lower-case hex.
   */
  'digest': (string);
}
