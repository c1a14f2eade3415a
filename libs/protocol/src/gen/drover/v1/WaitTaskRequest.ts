// Original file: proto/drover/v1/tasks.proto


export interface WaitTaskRequest {
  'task_id'?: (string);
}

export interface WaitTaskRequest__Output {
  'task_id': (string);
}
