// Original file: proto/drover/v1/tasks.proto


export interface BatchGetResultRequest {
  /**
   * At most 1000.
   */
  'task_ids'?: (string)[];
}

export interface BatchGetResultRequest__Output {
  /**
   * At most 1000.
   */
  'task_ids': (string)[];
}
