// Original file: proto/drover/v1/tasks.proto


export interface BatchGetResultRequest {
  'task_ids'?: (string)[];
}

export interface BatchGetResultRequest__Output {
  'task_ids': (string)[];
}
