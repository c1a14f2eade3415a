// Original file: proto/drover/v1/botapi.proto


export interface Kill {
  'task_id'?: (string);
  'lease_id'?: (string);
  'reason'?: (string);
}

export interface Kill__Output {
  'task_id': (string);
  'lease_id': (string);
  'reason': (string);
}
