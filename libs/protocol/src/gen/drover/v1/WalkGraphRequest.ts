// Original file: proto/drover/v1/graph.proto

import type { ExecutionAuth as _drover_v1_ExecutionAuth, ExecutionAuth__Output as _drover_v1_ExecutionAuth__Output } from '../../drover/v1/ExecutionAuth';
import type { GraphQuery as _drover_v1_GraphQuery, GraphQuery__Output as _drover_v1_GraphQuery__Output } from '../../drover/v1/GraphQuery';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/drover/v1/graph.proto

export const _drover_v1_WalkGraphRequest_Mode_Direction = {
  FORWARDS: 'FORWARDS',
  BACKWARDS: 'BACKWARDS',
  BOTH: 'BOTH',
} as const;

export type _drover_v1_WalkGraphRequest_Mode_Direction =
  | 'FORWARDS'
  | 0
  | 'BACKWARDS'
  | 1
  | 'BOTH'
  | 2

export type _drover_v1_WalkGraphRequest_Mode_Direction__Output = typeof _drover_v1_WalkGraphRequest_Mode_Direction[keyof typeof _drover_v1_WalkGraphRequest_Mode_Direction]

export interface _drover_v1_WalkGraphRequest_Include {
  'quest_data'?: (boolean);
  'attempt_data'?: (boolean);
  'attempt_result'?: (boolean);
  'executions'?: (boolean);
  'execution_data'?: (boolean);
  'fwd_deps'?: (boolean);
  'back_deps'?: (boolean);
}

export interface _drover_v1_WalkGraphRequest_Include__Output {
  'quest_data': (boolean);
  'attempt_data': (boolean);
  'attempt_result': (boolean);
  'executions': (boolean);
  'execution_data': (boolean);
  'fwd_deps': (boolean);
  'back_deps': (boolean);
}

export interface _drover_v1_WalkGraphRequest_Limit {
  /**
   * -1 = all; 0 = seeds only.
   */
  'max_depth'?: (number);
  /**
   * Milliseconds, at most 55000.
   */
  'max_time_ms'?: (number | string | Long);
  /**
   * Bytes, default 16 MiB, at most 30 MiB.
   */
  'max_data_size'?: (number | string | Long);
}

export interface _drover_v1_WalkGraphRequest_Limit__Output {
  /**
   * -1 = all; 0 = seeds only.
   */
  'max_depth': (number);
  /**
   * Milliseconds, at most 55000.
   */
  'max_time_ms': (number);
  /**
   * Bytes, default 16 MiB, at most 30 MiB.
   */
  'max_data_size': (number);
}

export interface _drover_v1_WalkGraphRequest_Mode {
  'dfs'?: (boolean);
  'direction'?: (_drover_v1_WalkGraphRequest_Mode_Direction);
}

export interface _drover_v1_WalkGraphRequest_Mode__Output {
  'dfs': (boolean);
  'direction': (_drover_v1_WalkGraphRequest_Mode_Direction__Output);
}

export interface WalkGraphRequest {
  'auth'?: (_drover_v1_ExecutionAuth | null);
  'query'?: (_drover_v1_GraphQuery | null);
  'mode'?: (_drover_v1_WalkGraphRequest_Mode | null);
  'limit'?: (_drover_v1_WalkGraphRequest_Limit | null);
  'include'?: (_drover_v1_WalkGraphRequest_Include | null);
}

export interface WalkGraphRequest__Output {
  'auth': (_drover_v1_ExecutionAuth__Output | null);
  'query': (_drover_v1_GraphQuery__Output | null);
  'mode': (_drover_v1_WalkGraphRequest_Mode__Output | null);
  'limit': (_drover_v1_WalkGraphRequest_Limit__Output | null);
  'include': (_drover_v1_WalkGraphRequest_Include__Output | null);
}
