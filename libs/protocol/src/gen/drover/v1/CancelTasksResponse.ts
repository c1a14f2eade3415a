// Original file: proto/drover/v1/tasks.proto


export interface CancelTasksResponse {
  'matched'?: (number);
  'cursor'?: (string);
}

export interface CancelTasksResponse__Output {
  'matched': (number);
  'cursor': (string);
}
