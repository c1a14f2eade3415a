// Original file: proto/drover/v1/graph.proto


// Original file: proto/drover/v1/graph.proto

export const _drover_v1_PartialFlags_Result = {
  LOADED: 'LOADED',
  NOT_LOADED: 'NOT_LOADED',
  NOT_AUTHORIZED: 'NOT_AUTHORIZED',
  DATA_SIZE_LIMIT: 'DATA_SIZE_LIMIT',
} as const;

export type _drover_v1_PartialFlags_Result =
  | 'LOADED'
  | 0
  | 'NOT_LOADED'
  | 1
  | 'NOT_AUTHORIZED'
  | 2
  | 'DATA_SIZE_LIMIT'
  | 3

export type _drover_v1_PartialFlags_Result__Output = typeof _drover_v1_PartialFlags_Result[keyof typeof _drover_v1_PartialFlags_Result]

export interface PartialFlags {
  'data'?: (boolean);
  'executions'?: (boolean);
  'fwd_deps'?: (boolean);
  'back_deps'?: (boolean);
  'result'?: (_drover_v1_PartialFlags_Result);
}

export interface PartialFlags__Output {
  'data': (boolean);
  'executions': (boolean);
  'fwd_deps': (boolean);
  'back_deps': (boolean);
  'result': (_drover_v1_PartialFlags_Result__Output);
}
