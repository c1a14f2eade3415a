// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

export interface Output {
  'task_id'?: (string);
  'lease_id'?: (string);
  /**
   * Position of data in the task's output; a resend of bytes already stored is ignored.
   */
  'offset'?: (number | string | Long);
  /**
   * At most 1048576 bytes (the bot sends 64 KiB).
   */
  'data'?: (Buffer | Uint8Array | string);
}

export interface Output__Output {
  'task_id': (string);
  'lease_id': (string);
  /**
   * Position of data in the task's output; a resend of bytes already stored is ignored.
   */
  'offset': (number);
  /**
   * At most 1048576 bytes (the bot sends 64 KiB).
   */
  'data': (Buffer);
}
