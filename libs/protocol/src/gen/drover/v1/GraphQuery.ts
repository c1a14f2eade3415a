// Original file: proto/drover/v1/graph.proto

import type { AttemptId as _drover_v1_AttemptId, AttemptId__Output as _drover_v1_AttemptId__Output } from '../../drover/v1/AttemptId';

export interface _drover_v1_GraphQuery_AttemptRange {
  'quest'?: (string);
  'low'?: (number);
  'high'?: (number);
}

export interface _drover_v1_GraphQuery_AttemptRange__Output {
  'quest': (string);
  'low': (number);
  'high': (number);
}

export interface GraphQuery {
  'attempt_list'?: (_drover_v1_AttemptId)[];
  'attempt_range'?: (_drover_v1_GraphQuery_AttemptRange)[];
}

export interface GraphQuery__Output {
  'attempt_list': (_drover_v1_AttemptId__Output)[];
  'attempt_range': (_drover_v1_GraphQuery_AttemptRange__Output)[];
}
