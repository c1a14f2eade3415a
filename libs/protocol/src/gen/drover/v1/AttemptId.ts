// Original file: proto/drover/v1/graph.proto


export interface AttemptId {
  'quest'?: (string);
  'id'?: (number);
}

export interface AttemptId__Output {
  'quest': (string);
  'id': (number);
}
