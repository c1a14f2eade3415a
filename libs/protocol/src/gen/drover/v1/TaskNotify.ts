// Original file: proto/drover/v1/tasks.proto


/**
 * Where to POST the task's state changes: a TaskNotification at each, signed with
 * X-Drover-Signature: sha256=<hex HMAC-SHA256 of the body> (docs/task-links.md).
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
 * Where to POST the task's state changes: a TaskNotification at each, signed with
 * X-Drover-Signature: sha256=<hex HMAC-SHA256 of the body> (docs/task-links.md).
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
