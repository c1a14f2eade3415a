// Original file: proto/drover/v1/tasks.proto


export interface GetOutputRequest {
  'task_id'?: (string);
  /**
   * As listed in TaskResult.outputs.
   */
  'path'?: (string);
}

export interface GetOutputRequest__Output {
  'task_id': (string);
  /**
   * As listed in TaskResult.outputs.
   */
  'path': (string);
}
