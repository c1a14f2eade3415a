// Original file: proto/drover/v1/tasks.proto


export interface CancelTaskRequest {
  'task_id'?: (string);
  'kill_running'?: (boolean);
}

export interface CancelTaskRequest__Output {
  'task_id': (string);
  'kill_running': (boolean);
}
