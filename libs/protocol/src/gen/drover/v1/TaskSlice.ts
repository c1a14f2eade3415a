// Original file: proto/drover/v1/tasks.proto

import type { TaskProperties as _drover_v1_TaskProperties, TaskProperties__Output as _drover_v1_TaskProperties__Output } from '../../drover/v1/TaskProperties';

export interface TaskSlice {
  'properties'?: (_drover_v1_TaskProperties | null);
  /**
   * How long the task may wait for a bot in this slice; 1..604800, default 21600.
   */
  'expiration_secs'?: (number);
  /**
   * Queue even when no bot could serve the slice right now.
   */
  'wait_for_capacity'?: (boolean);
  '_expiration_secs'?: "expiration_secs";
}

export interface TaskSlice__Output {
  'properties': (_drover_v1_TaskProperties__Output | null);
  /**
   * How long the task may wait for a bot in this slice; 1..604800, default 21600.
   */
  'expiration_secs'?: (number);
  /**
   * Queue even when no bot could serve the slice right now.
   */
  'wait_for_capacity': (boolean);
  '_expiration_secs'?: "expiration_secs";
}
