// Original file: proto/drover/v1/tasks.proto


export interface CancelTasksRequest {
  'tags'?: (string)[];
  'kill_running'?: (boolean);
  'limit'?: (number);
  'cursor'?: (string);
}

export interface CancelTasksRequest__Output {
  'tags': (string)[];
  'kill_running': (boolean);
  'limit': (number);
  'cursor': (string);
}
