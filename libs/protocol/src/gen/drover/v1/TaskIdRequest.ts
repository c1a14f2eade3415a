// Original file: proto/drover/v1/tasks.proto


export interface TaskIdRequest {
  'task_id'?: (string);
}

export interface TaskIdRequest__Output {
  'task_id': (string);
}
