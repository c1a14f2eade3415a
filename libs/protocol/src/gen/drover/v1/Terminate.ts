// Original file: proto/drover/v1/botapi.proto


/**
 * Finish (or stop) the current task, then exit.
 */
export interface Terminate {
  'reason'?: (string);
  'task_id'?: (string);
}

/**
 * Finish (or stop) the current task, then exit.
 */
export interface Terminate__Output {
  'reason': (string);
  'task_id': (string);
}
