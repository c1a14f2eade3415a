// Original file: proto/drover/v1/bots.proto


export interface TerminateBotResponse {
  'task_id'?: (string);
}

export interface TerminateBotResponse__Output {
  'task_id': (string);
}
