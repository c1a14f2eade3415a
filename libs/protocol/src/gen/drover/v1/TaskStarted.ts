// Original file: proto/drover/v1/botapi.proto


export interface TaskStarted {
  'task_id'?: (string);
  'lease_id'?: (string);
}

export interface TaskStarted__Output {
  'task_id': (string);
  'lease_id': (string);
}
