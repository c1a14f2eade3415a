// Original file: proto/drover/v1/botapi.proto


/**
 * Finish (or stop) the current task, then exit. With task_id and lease_id it is the bot's
 * termination task (TerminateBot): the bot reports TaskStarted and TaskFinished{exit_code 0} for
 * it, waits for the finished Ack, then exits 0.
 */
export interface Terminate {
  'reason'?: (string);
  'task_id'?: (string);
  'lease_id'?: (string);
}

/**
 * Finish (or stop) the current task, then exit. With task_id and lease_id it is the bot's
 * termination task (TerminateBot): the bot reports TaskStarted and TaskFinished{exit_code 0} for
 * it, waits for the finished Ack, then exits 0.
 */
export interface Terminate__Output {
  'reason': (string);
  'task_id': (string);
  'lease_id': (string);
}
