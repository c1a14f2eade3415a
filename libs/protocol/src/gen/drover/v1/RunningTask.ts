// Original file: proto/drover/v1/botapi.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A task the bot still holds when it (re)connects.
 */
export interface RunningTask {
  'task_id'?: (string);
  'lease_id'?: (string);
  /**
   * Bytes of output the bot has produced so far.
   */
  'output_offset'?: (number | string | Long);
  /**
   * The process already ended; a TaskFinished follows.
   */
  'finished'?: (boolean);
}

/**
 * A task the bot still holds when it (re)connects.
 */
export interface RunningTask__Output {
  'task_id': (string);
  'lease_id': (string);
  /**
   * Bytes of output the bot has produced so far.
   */
  'output_offset': (number);
  /**
   * The process already ended; a TaskFinished follows.
   */
  'finished': (boolean);
}
