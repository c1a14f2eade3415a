// Original file: proto/drover/v1/graph.proto


export interface ExecutionId {
  'quest'?: (string);
  'attempt'?: (number);
  'id'?: (number);
}

export interface ExecutionId__Output {
  'quest': (string);
  'attempt': (number);
  'id': (number);
}
