// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

/**
 * What the coordinator has durably stored; the bot may drop what it keeps for resend.
 */
export interface Ack {
  'task_id'?: (string);
  'lease_id'?: (string);
  /**
   * Bytes of output stored.
   */
  'output_offset'?: (number | string | Long);
  /**
   * The result is stored; the bot may forget the task.
   */
  'finished'?: (boolean);
  /**
   * The lease is no longer valid (task final or given to another bot): stop the process if it
   * still runs and forget the task.
   */
  'stale'?: (boolean);
}

/**
 * What the coordinator has durably stored; the bot may drop what it keeps for resend.
 */
export interface Ack__Output {
  'task_id': (string);
  'lease_id': (string);
  /**
   * Bytes of output stored.
   */
  'output_offset': (number);
  /**
   * The result is stored; the bot may forget the task.
   */
  'finished': (boolean);
  /**
   * The lease is no longer valid (task final or given to another bot): stop the process if it
   * still runs and forget the task.
   */
  'stale': (boolean);
}
