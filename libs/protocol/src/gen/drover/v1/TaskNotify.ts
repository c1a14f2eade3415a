// Original file: proto/drover/v1/tasks.proto


/**
 * Where to POST the task's state changes: JSON {task_id, state, previous_state, userdata,
 * exit_code, ts}, signed with X-Drover-Signature: sha256=<hex HMAC-SHA256 of the body>.
 */
export interface TaskNotify {
  /**
   * http:// or https://; required when notify is given; at most 2048 characters.
   */
  'url'?: (string);
  /**
   * Sent back as is in every notification; at most 4096 characters.
   */
  'userdata'?: (string);
}

/**
 * Where to POST the task's state changes: JSON {task_id, state, previous_state, userdata,
 * exit_code, ts}, signed with X-Drover-Signature: sha256=<hex HMAC-SHA256 of the body>.
 */
export interface TaskNotify__Output {
  /**
   * http:// or https://; required when notify is given; at most 2048 characters.
   */
  'url': (string);
  /**
   * Sent back as is in every notification; at most 4096 characters.
   */
  'userdata': (string);
}
